// LocalStorage: POSIX directory reads (getdents via readdir, no per-entry
// stat unless asked) keep a scan of a million markers close to `find`.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fmt/format.h>

#include "jobmon/error.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {
namespace {

double to_seconds(const struct timespec& ts) {
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

EntryType type_of_mode(mode_t mode) {
  if (S_ISDIR(mode)) return EntryType::directory;
  if (S_ISREG(mode)) return EntryType::file;
  return EntryType::other;
}

// "permission denied": strerror's text, lower-cased to read inside a message.
std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
  return text;
}

// A failed stat: absent (ENOENT, ENOTDIR: a path through a file) is plainly
// missing; anything else (EACCES, ELOOP, EIO...) says why it cannot be seen.
FileStat failed_stat(int err) {
  FileStat st;
  if (err != ENOENT && err != ENOTDIR) st.error = errno_text(err);
  return st;
}

bool might_be_directory(unsigned char d_type) { return d_type == DT_DIR || d_type == DT_LNK || d_type == DT_UNKNOWN; }

// Closes a file descriptor on scope exit.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};

// The entries of an open directory (closed here): list() and list_beneath()
// share it, whichever way the directory was opened.
std::vector<DirEntry> list_open_directory(DIR* handle, const std::string& dir, const ListOptions& options,
                                          std::atomic<std::uint64_t>& stats) {
  const int dir_fd = ::dirfd(handle);
  std::vector<DirEntry> entries;
  errno = 0;
  while (const struct dirent* raw = ::readdir(handle)) {
    const char* name = raw->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    if (options.directories_only && !might_be_directory(raw->d_type)) {
      errno = 0;
      continue;
    }
    DirEntry entry;
    entry.name = name;
    switch (raw->d_type) {
      case DT_DIR: entry.type = EntryType::directory; break;
      case DT_REG: entry.type = EntryType::file; break;
      case DT_LNK: entry.type = EntryType::symlink; break;
      default: entry.type = EntryType::other; break;
    }
    const bool needs_type = raw->d_type == DT_UNKNOWN || (options.resolve_types && raw->d_type == DT_LNK);
    if (needs_type || options.with_mtime) {
      struct stat st {};
      stats.fetch_add(1, std::memory_order_relaxed);
      // Without resolve_types a link stays a link, also when its mtime is asked for.
      const int flags = options.resolve_types ? 0 : AT_SYMLINK_NOFOLLOW;
      if (::fstatat(dir_fd, name, &st, flags) == 0) {
        entry.type = S_ISLNK(st.st_mode) ? EntryType::symlink : type_of_mode(st.st_mode);
        if (options.with_mtime) entry.mtime = to_seconds(st.st_mtim);
      } else if (needs_type) {
        entry.type = EntryType::missing;  // dangling symlink
      }
    }
    if (options.directories_only && entry.type != EntryType::directory && entry.type != EntryType::symlink) {
      errno = 0;
      continue;
    }
    entries.push_back(std::move(entry));
    errno = 0;
  }
  const int read_error = errno;
  ::closedir(handle);
  if (read_error != 0) throw StorageError(dir, "error while listing directory: " + errno_text(read_error));
  return entries;
}

// Up to length bytes from offset of an open file (fewer at end of file).
std::string read_at(int fd, const std::string& path, std::uint64_t offset, std::uint64_t length) {
  std::string data;
  data.resize(static_cast<std::size_t>(length));
  std::size_t filled = 0;
  while (filled < data.size()) {
    const ssize_t got = ::pread(fd, data.data() + filled, data.size() - filled, static_cast<off_t>(offset + filled));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw StorageError(path, "read failed: " + errno_text(errno));
    }
    if (got == 0) break;
    filled += static_cast<std::size_t>(got);
  }
  data.resize(filled);
  return data;
}

// A subdirectory opened without following a link: errno ELOOP when `name`
// is one (O_DIRECTORY may answer ENOTDIR for a link; lstat tells them apart).
// `access` is O_RDONLY to list it, O_PATH only to walk through it (which,
// like a path, needs no read permission).
int open_directory_no_follow(int at, const std::string& name, int access) {
  const int fd = ::openat(at, name.c_str(), access | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOTDIR) {
    struct stat st {};
    if (::fstatat(at, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) errno = ELOOP;
    else errno = ENOTDIR;
  }
  return fd;
}

// The directory that holds `relative`'s last component, opened from `base`
// one component at a time: a link on the way fails with ELOOP instead of
// leading elsewhere. `leaf` gets the last component. -1 with errno set on
// failure; "." and ".." are refused (EINVAL): they could step out of base.
int open_parent_beneath(const std::string& base, std::string_view relative, std::string& leaf) {
  std::vector<std::string> parts;
  for (std::size_t pos = 0; pos <= relative.size();) {
    std::size_t end = relative.find('/', pos);
    if (end == std::string_view::npos) end = relative.size();
    if (end > pos) parts.emplace_back(relative.substr(pos, end - pos));
    pos = end + 1;
  }
  const auto steps_out = [](const std::string& p) { return p == "." || p == ".."; };
  if (parts.empty() || std::any_of(parts.begin(), parts.end(), steps_out)) {
    errno = EINVAL;
    return -1;
  }
  int dir = ::open(base.empty() ? "." : base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);  // base may be a link
  for (std::size_t i = 0; dir >= 0 && i + 1 < parts.size(); ++i) {
    const int next = open_directory_no_follow(dir, parts[i], O_PATH);
    const int saved = errno;
    ::close(dir);
    errno = saved;
    dir = next;
  }
  leaf = std::move(parts.back());
  return dir;
}

}  // namespace

struct LocalStorage::Impl {
  mutable std::atomic<std::uint64_t> lists{0}, stats{0}, reads{0};
};

LocalStorage::LocalStorage() : impl_(std::make_unique<Impl>()) {}
LocalStorage::~LocalStorage() = default;

std::vector<DirEntry> LocalStorage::list(const std::string& dir, const ListOptions& options) const {
  impl_->lists.fetch_add(1, std::memory_order_relaxed);
  DIR* handle = ::opendir(dir.empty() ? "." : dir.c_str());
  if (handle == nullptr) throw StorageError(dir, "cannot list directory: " + errno_text(errno));
  return list_open_directory(handle, dir, options, impl_->stats);
}

FileStat LocalStorage::stat(const std::string& path) const {
  impl_->stats.fetch_add(1, std::memory_order_relaxed);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return failed_stat(errno);
  return FileStat{type_of_mode(st.st_mode), static_cast<std::uint64_t>(st.st_size), to_seconds(st.st_mtim)};
}

FileStat LocalStorage::lstat(const std::string& path) const {
  impl_->stats.fetch_add(1, std::memory_order_relaxed);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return failed_stat(errno);
  const EntryType type = S_ISLNK(st.st_mode) ? EntryType::symlink : type_of_mode(st.st_mode);
  return FileStat{type, static_cast<std::uint64_t>(st.st_size), to_seconds(st.st_mtim)};
}

std::string LocalStorage::read(const std::string& path, std::uint64_t max_bytes) const {
  impl_->reads.fetch_add(1, std::memory_order_relaxed);
  // O_NONBLOCK: a FIFO planted where a file should be must not hang the scan.
  FdGuard guard{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (guard.fd < 0) throw StorageError(path, "cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(guard.fd, &st) != 0) throw StorageError(path, "cannot stat: " + errno_text(errno));
  if (S_ISDIR(st.st_mode)) throw StorageError(path, "is a directory");
  if (!S_ISREG(st.st_mode)) throw StorageError(path, "not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes)
    throw StorageError(path, "file too large (" + std::to_string(st.st_size) + " bytes, limit " +
                                 std::to_string(max_bytes) + ")");
  std::string data;
  data.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[65536];
  for (;;) {
    const ssize_t got = ::read(guard.fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw StorageError(path, "read failed: " + errno_text(errno));
    }
    if (got == 0) break;
    if (data.size() + static_cast<std::size_t>(got) > max_bytes) throw StorageError(path, "file grew past the read limit");
    data.append(buffer, static_cast<std::size_t>(got));
  }
  return data;
}

std::string LocalStorage::read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const {
  impl_->reads.fetch_add(1, std::memory_order_relaxed);
  FdGuard guard{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (guard.fd < 0) throw StorageError(path, "cannot open: " + errno_text(errno));
  struct stat st {};
  if (::fstat(guard.fd, &st) != 0 || !S_ISREG(st.st_mode)) throw StorageError(path, "not a regular file");
  if (length > default_max_read) throw StorageError(path, "range too large");
  return read_at(guard.fd, path, offset, length);
}

std::string LocalStorage::directory_identity(const std::string& dir) const {
  // Device and inode after following links: one stat(), where resolving the
  // canonical path would lstat every component on each descent.
  struct stat st {};
  if (::stat(dir.empty() ? "." : dir.c_str(), &st) != 0) return dir;  // unresolvable: only its own path matches
  return fmt::format("inode:{}:{}", static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino));
}

std::vector<DirEntry> LocalStorage::list_beneath(const std::string& base, const std::string& relative,
                                                 bool with_mtime) const {
  impl_->lists.fetch_add(1, std::memory_order_relaxed);
  const std::string path = join(base, relative);
  std::string leaf;
  FdGuard parent{open_parent_beneath(base, relative, leaf)};
  const int dir = parent.fd < 0 ? -1 : open_directory_no_follow(parent.fd, leaf, O_RDONLY);
  if (dir < 0) {
    const int err = errno;
    if (err == ELOOP) throw StorageError(path, "a symlink: not followed");
    throw StorageError(path, "cannot list directory: " + errno_text(err));
  }
  DIR* handle = ::fdopendir(dir);
  if (handle == nullptr) {
    const int err = errno;
    ::close(dir);
    throw StorageError(path, "cannot list directory: " + errno_text(err));
  }
  return list_open_directory(handle, path, ListOptions{with_mtime, false}, impl_->stats);
}

FileTail LocalStorage::read_tail_beneath(const std::string& base, const std::string& relative,
                                         std::uint64_t max_bytes) const {
  impl_->reads.fetch_add(1, std::memory_order_relaxed);
  const std::string path = join(base, relative);
  std::string leaf;
  FdGuard parent{open_parent_beneath(base, relative, leaf)};
  if (parent.fd < 0) {
    const int err = errno;
    return FileTail{err == ELOOP ? FileStat{EntryType::symlink} : failed_stat(err), {}};
  }
  // A look before opening keeps FIFOs and devices unopened; the open file's
  // own fstat below is what decides (the entry may be swapped in between).
  struct stat st {};
  if (::fstatat(parent.fd, leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return FileTail{failed_stat(errno), {}};
  if (S_ISLNK(st.st_mode)) return FileTail{FileStat{EntryType::symlink}, {}};
  if (!S_ISREG(st.st_mode)) return FileTail{FileStat{type_of_mode(st.st_mode)}, {}};
  FdGuard file{::openat(parent.fd, leaf.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
  if (file.fd < 0) return FileTail{errno == ELOOP ? FileStat{EntryType::symlink} : failed_stat(errno), {}};
  if (::fstat(file.fd, &st) != 0) throw StorageError(path, "cannot stat: " + errno_text(errno));
  const FileStat opened{type_of_mode(st.st_mode), static_cast<std::uint64_t>(st.st_size), to_seconds(st.st_mtim)};
  if (opened.type != EntryType::file) return FileTail{opened, {}};
  const std::uint64_t want = std::min<std::uint64_t>({opened.size, max_bytes, default_max_read});
  return FileTail{opened, read_at(file.fd, path, opened.size - want, want)};
}

// Backends without links: the plain calls are already confined.
std::vector<DirEntry> Storage::list_beneath(const std::string& base, const std::string& relative,
                                            bool with_mtime) const {
  return list(join(base, relative), ListOptions{with_mtime, false});
}

FileTail Storage::read_tail_beneath(const std::string& base, const std::string& relative,
                                    std::uint64_t max_bytes) const {
  const std::string path = join(base, relative);
  FileTail tail{stat(path), {}};
  if (tail.stat.type != EntryType::file) return tail;
  const std::uint64_t want = std::min<std::uint64_t>({tail.stat.size, max_bytes, default_max_read});
  tail.data = read_range(path, tail.stat.size - want, want);
  return tail;
}

Storage::Counters LocalStorage::counters() const {
  return Counters{impl_->lists.load(), impl_->stats.load(), impl_->reads.load()};
}

std::string Storage::join(std::string_view dir, std::string_view name) const {
  if (dir.empty() || dir == ".") return std::string(name);
  std::string out(dir);
  if (out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string base_name(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::string(path);
  if (path.size() == 1) return std::string(path);
  return std::string(path.substr(slash + 1));
}

namespace {
constexpr double coarse_mtime_settle_seconds = 2.0;
constexpr double fine_mtime_settle_seconds = 0.05;
}  // namespace

bool listing_settled(double mtime, double listed_at) {
  const bool whole_seconds = mtime == std::floor(mtime);
  return listed_at - mtime > (whole_seconds ? coarse_mtime_settle_seconds : fine_mtime_settle_seconds);
}

bool listing_settled(double mtime, double listed_at, double seen_since) {
  return listing_settled(mtime, listed_at) || listed_at - seen_since > coarse_mtime_settle_seconds;
}

}  // namespace jobmon
