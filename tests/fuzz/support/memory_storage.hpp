// MemoryStorage: a jobmon::Storage over an in-memory tree, so fuzz targets
// (and tests) can hand the library hostile directory trees without touching
// the disk. Paths are '/'-separated; a file's parent directories exist
// implicitly. Symlinks hold a target path and are followed wherever they
// are on a path (a bounded number of hops, like ELOOP); lstat() and list()
// without resolve_types leave the last one unresolved.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "jobmon/storage/storage.hpp"

namespace jobmon::test {

class MemoryStorage final : public Storage {
 public:
  // Adds or replaces a regular file (and creates its parent directories).
  void put_file(const std::string& path, std::string content, double mtime = 1);
  // Appends to a file (creates it when absent) and moves its mtime.
  void append_file(const std::string& path, std::string_view bytes, double mtime);
  void make_dir(const std::string& path, double mtime = 1);
  void make_symlink(const std::string& path, const std::string& target, double mtime = 1);
  // Removes one node (not its children); the parent's mtime moves, as a
  // directory's does when an entry leaves it.
  void remove(const std::string& path, double mtime);

  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& dir, const ListOptions& options) const override;
  FileStat stat(const std::string& path) const override;
  FileStat lstat(const std::string& path) const override;
  std::string read(const std::string& path, std::uint64_t max_bytes) const override;
  std::string read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const override;
  // The node's path once links are followed (one directory reached by two paths).
  std::string directory_identity(const std::string& dir) const override;
  // As LocalStorage: `relative` is walked from `base` one component at a
  // time and a symlink at any step is refused, never followed.
  std::vector<DirEntry> list_beneath(const std::string& base, const std::string& relative,
                                     bool with_mtime) const override;
  FileTail read_tail_beneath(const std::string& base, const std::string& relative,
                             std::uint64_t max_bytes) const override;
  Counters counters() const override;

  std::size_t node_count() const;  // files, directories and links

  // "a//b/./c/" -> "a/b/c": the one spelling every map key uses.
  static std::string normalize(std::string_view path);

 private:
  enum class Kind { file, directory, symlink };
  struct Node {
    Kind kind = Kind::file;
    std::string content;  // file bytes, or a symlink's target
    double mtime = 1;
  };
  static constexpr int max_hops = 8;

  void make_parents(const std::string& path, double mtime);
  // Adds or replaces a node; a new one moves its directory's mtime.
  void set(const std::string& key, Node node);
  // The node a path leads to once the symlinks on the way (and the last
  // component's, with follow_last) are followed; null when none.
  const Node* resolve(const std::string& path, std::string* resolved, bool follow_last) const;
  const Node* find(const std::string& path) const;
  // The node `relative` names below `base` without following a link on the
  // way (`link` says when one was met); null when there is none.
  const Node* beneath(const std::string& base, const std::string& relative, std::string& key, bool& link) const;
  const Node& regular_file(const std::string& path) const;  // throws StorageError

  mutable std::mutex mutex_;  // the Scanner reads from several threads
  std::map<std::string, Node> nodes_;
  mutable Counters counters_;
};

}  // namespace jobmon::test
