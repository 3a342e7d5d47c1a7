// LocalStorage: POSIX directory reads (getdents via readdir, no per-entry
// stat unless asked) keep a scan of a million markers close to `find`.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
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
      impl_->stats.fetch_add(1, std::memory_order_relaxed);
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
  std::string data;
  data.resize(static_cast<std::size_t>(length));
  std::size_t filled = 0;
  while (filled < data.size()) {
    const ssize_t got = ::pread(guard.fd, data.data() + filled, data.size() - filled,
                                static_cast<off_t>(offset + filled));
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

std::string LocalStorage::directory_identity(const std::string& dir) const {
  // Device and inode after following links: one stat(), where resolving the
  // canonical path would lstat every component on each descent.
  struct stat st {};
  if (::stat(dir.empty() ? "." : dir.c_str(), &st) != 0) return dir;  // unresolvable: only its own path matches
  return fmt::format("inode:{}:{}", static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino));
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

}  // namespace jobmon
