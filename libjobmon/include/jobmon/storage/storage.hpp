// Storage: the only way libjobmon touches files. LocalStorage reads the local
// filesystem; other backends (S3, the Hub) implement the same interface.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace jobmon {

// symlink only from lstat() and from list() without resolve_types.
enum class EntryType { file, directory, other, missing, symlink };

struct DirEntry {
  std::string name;
  EntryType type = EntryType::other;  // symlinks are resolved to their target's type
  std::optional<double> mtime;        // epoch seconds; filled only when asked for
};

struct FileStat {
  EntryType type = EntryType::missing;
  std::uint64_t size = 0;
  double mtime = 0;  // epoch seconds, sub-second precision where the backend has it
  // With type missing: why the path could not be examined when something may
  // be there ("permission denied", "too many levels of symbolic links", an
  // I/O error). Empty when the path is simply absent (or was examined).
  std::string error;

  // A constructor, not an aggregate: `FileStat{type, size, mtime}` stays
  // complete (no missing-initializer warning) with the error field added.
  FileStat(EntryType t = EntryType::missing, std::uint64_t bytes = 0, double modified = 0, std::string why = {})
      : type(t), size(bytes), mtime(modified), error(std::move(why)) {}
  bool inaccessible() const { return type == EntryType::missing && !error.empty(); }
};

struct ListOptions {
  bool with_mtime = false;   // stat every entry (costly on big directories)
  bool resolve_types = true; // follow symlinks to report the target's type
  // Only directories and, without resolve_types, symlinks (which may lead to
  // one): walks that look for directories never hold a big directory's file
  // names in memory.
  bool directories_only = false;

  // A constructor, not an aggregate: `ListOptions{true, false}` stays
  // complete (no missing-initializer warning) as options are added.
  constexpr ListOptions(bool mtime = false, bool resolve = true, bool only_directories = false)
      : with_mtime(mtime), resolve_types(resolve), directories_only(only_directories) {}
};

// The last bytes of a file, with the file they were read from described.
struct FileTail {
  FileStat stat;     // of the file read (type file), or why nothing was read
  std::string data;  // its last min(stat.size, max_bytes) bytes
};

class Storage {
 public:
  static constexpr std::uint64_t default_max_read = 64ull << 20;

  virtual ~Storage() = default;

  // The defaults of list() and read() live in the one-argument overloads
  // below, never on the virtuals (a default on a virtual is picked by the
  // static type, so an override could silently disagree). A backend
  // overrides the full forms and adds `using Storage::list; using
  // Storage::read;` so its own type keeps the short forms.

  // Entries of a directory, in no particular order, without "." and "..".
  // Throws StorageError when the directory cannot be listed.
  virtual std::vector<DirEntry> list(const std::string& dir, const ListOptions& options) const = 0;
  std::vector<DirEntry> list(const std::string& dir) const { return list(dir, ListOptions{}); }

  // Follows symlinks. Returns type missing (never throws) when nothing is
  // there, or when the path cannot be examined (FileStat::error says why).
  virtual FileStat stat(const std::string& path) const = 0;
  // Does not follow a final symlink (type symlink). Backends without links: stat().
  virtual FileStat lstat(const std::string& path) const { return stat(path); }

  // Whole file; throws StorageError when unreadable or larger than max_bytes.
  virtual std::string read(const std::string& path, std::uint64_t max_bytes) const = 0;
  std::string read(const std::string& path) const { return read(path, default_max_read); }

  // Up to length bytes from offset (fewer at end of file).
  virtual std::string read_range(const std::string& path, std::uint64_t offset,
                                 std::uint64_t length) const = 0;

  // True when list() gives mtimes at no extra cost (object stores return
  // them with the listing); callers then ask for them instead of stat'ing.
  virtual bool list_includes_mtime() const { return false; }

  // Joins a directory and a child name with the backend's separator.
  virtual std::string join(std::string_view dir, std::string_view name) const;

  // What a directory is once symlinks are followed (locally its device and
  // inode), so one directory reached by two paths (a symlinked job dir and
  // the dir itself) can be told apart from two directories. Backends without
  // links answer the path itself.
  virtual std::string directory_identity(const std::string& dir) const { return dir; }

  // Reads confined below a directory, for trees that others write (a job's
  // logs/, which /api/jobs/<id>/logs serves): `relative` ("logs",
  // "logs/task_00003.log") is opened one component at a time from `base`, and
  // a symlink at any step is refused, never followed (`base` itself is
  // trusted and may be one). What is checked is what is read: the type, size
  // and bytes come from the one open file or directory, so an entry swapped
  // for a link between a check and the read is never served. Backends
  // without links (S3, the Hub) answer with the plain calls; a backend with
  // links must override both.
  //
  // Entries as list(..., ListOptions{with_mtime, false}) gives them (links
  // stay links). Throws StorageError when a step is a link ("a symlink: not
  // followed") or the directory cannot be listed.
  virtual std::vector<DirEntry> list_beneath(const std::string& base, const std::string& relative,
                                             bool with_mtime) const;
  // The file's last max_bytes. Nothing read (FileTail::stat says why) when a
  // step is a link (type symlink), when it is not a regular file (directory,
  // other: a FIFO or device is never read, so never hangs) or when it is
  // missing (FileStat::error as stat() fills it). Throws StorageError when
  // the read itself fails.
  virtual FileTail read_tail_beneath(const std::string& base, const std::string& relative,
                                     std::uint64_t max_bytes) const;

  // Counts of backend calls since construction, for benchmarks and tests.
  struct Counters {
    std::uint64_t lists = 0, stats = 0, reads = 0;
  };
  virtual Counters counters() const = 0;
};

class LocalStorage final : public Storage {
 public:
  LocalStorage();
  ~LocalStorage() override;
  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& dir, const ListOptions& options) const override;
  FileStat stat(const std::string& path) const override;
  FileStat lstat(const std::string& path) const override;
  std::string read(const std::string& path, std::uint64_t max_bytes) const override;
  std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const override;
  std::string directory_identity(const std::string& dir) const override;
  std::vector<DirEntry> list_beneath(const std::string& base, const std::string& relative,
                                     bool with_mtime) const override;
  FileTail read_tail_beneath(const std::string& base, const std::string& relative,
                             std::uint64_t max_bytes) const override;
  Counters counters() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Last path component ("a/b/" -> "b").
std::string base_name(std::string_view path);

// A listing taken within one timestamp tick of the directory's mtime may have
// missed a change made in that same tick (the mtime would not move), so a
// cache may trust it only once it was taken clearly after the mtime (2 s for
// whole-second mtimes, as on coarse filesystems; 0.05 s for sub-second ones).
bool listing_settled(double mtime, double listed_at);
// The same, or settled by our own clock: this mtime was already seen by a
// listing at `seen_since`, clearly before the one at `listed_at`. An mtime
// ahead of our clock (NFS clock skew, touch -d) otherwise never settles and
// the directory would be listed again on every refresh.
bool listing_settled(double mtime, double listed_at, double seen_since);

}  // namespace jobmon
