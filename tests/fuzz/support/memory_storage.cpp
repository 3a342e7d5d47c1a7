#include "memory_storage.hpp"

#include <algorithm>
#include <vector>

#include "jobmon/error.hpp"

namespace jobmon::test {
namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return path.size() > 1 ? "/" : "";
  return path.substr(0, slash);
}

}  // namespace

std::string MemoryStorage::normalize(std::string_view path) {
  const bool absolute = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(pos, end - pos);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = end + 1;
  }
  std::string out = absolute ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

void MemoryStorage::make_parents(const std::string& path, double mtime) {
  for (std::string dir = parent_of(path); !dir.empty() && dir != "."; dir = parent_of(dir)) {
    auto [it, added] = nodes_.try_emplace(dir);
    if (added) {
      it->second.kind = Kind::directory;
      it->second.mtime = mtime;
    }
    if (dir == "/") break;
  }
}

void MemoryStorage::set(const std::string& key, Node node) {
  make_parents(key, node.mtime);
  const auto [it, added] = nodes_.insert_or_assign(key, std::move(node));
  if (added) {
    if (const auto parent = nodes_.find(parent_of(key)); parent != nodes_.end()) parent->second.mtime = it->second.mtime;
  }
}

void MemoryStorage::put_file(const std::string& path, std::string content, double mtime) {
  std::lock_guard lock(mutex_);
  set(normalize(path), Node{Kind::file, std::move(content), mtime});
}

void MemoryStorage::append_file(const std::string& path, std::string_view bytes, double mtime) {
  std::lock_guard lock(mutex_);
  const std::string key = normalize(path);
  if (const auto it = nodes_.find(key); it != nodes_.end() && it->second.kind == Kind::file) {
    it->second.content.append(bytes);
    it->second.mtime = mtime;
  } else {
    set(key, Node{Kind::file, std::string(bytes), mtime});
  }
}

void MemoryStorage::make_dir(const std::string& path, double mtime) {
  std::lock_guard lock(mutex_);
  set(normalize(path), Node{Kind::directory, {}, mtime});
}

void MemoryStorage::make_symlink(const std::string& path, const std::string& target, double mtime) {
  std::lock_guard lock(mutex_);
  set(normalize(path), Node{Kind::symlink, target, mtime});
}

void MemoryStorage::remove(const std::string& path, double mtime) {
  std::lock_guard lock(mutex_);
  const std::string key = normalize(path);
  if (nodes_.erase(key) == 0) return;
  if (const auto parent = nodes_.find(parent_of(key)); parent != nodes_.end()) parent->second.mtime = mtime;
}

const MemoryStorage::Node* MemoryStorage::find(const std::string& path) const {
  const auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

const MemoryStorage::Node* MemoryStorage::resolve(const std::string& path, std::string* resolved, bool follow_last) const {
  // Component by component, as the kernel does: a symlink anywhere on the
  // way is replaced by its target and the walk starts over.
  std::string pending = normalize(path);
  for (int hops = 0;;) {
    std::vector<std::string> parts;
    for (std::size_t at = 0; at <= pending.size();) {
      std::size_t end = pending.find('/', at);
      if (end == std::string::npos) end = pending.size();
      if (end > at) parts.push_back(pending.substr(at, end - at));
      at = end + 1;
    }
    std::string current = !pending.empty() && pending.front() == '/' ? "/" : "";
    const Node* node = current == "/" ? find("/") : nullptr;
    bool restarted = false;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (node != nullptr && node->kind == Kind::file) return nullptr;  // a file used as a directory
      const std::string candidate = current.empty() ? parts[i] : current == "/" ? "/" + parts[i] : current + "/" + parts[i];
      node = find(candidate);
      if (node == nullptr) return nullptr;
      const bool last = i + 1 == parts.size();
      if (node->kind == Kind::symlink && (!last || follow_last)) {
        if (++hops > max_hops) return nullptr;  // too many levels of symbolic links
        const std::string& target = node->content;
        std::string next = !target.empty() && target.front() == '/' ? target : (current.empty() ? target : current + "/" + target);
        for (std::size_t j = i + 1; j < parts.size(); ++j) next += "/" + parts[j];
        pending = normalize(next);
        restarted = true;
        break;
      }
      current = candidate;
    }
    if (restarted) continue;
    if (resolved != nullptr) *resolved = current.empty() ? "." : current;
    return node;
  }
}

std::vector<DirEntry> MemoryStorage::list(const std::string& dir, const ListOptions& options) const {
  std::lock_guard lock(mutex_);
  ++counters_.lists;
  std::string key;
  const Node* node = resolve(dir, &key, true);
  if (node == nullptr) throw StorageError(dir, "No such file or directory");
  if (node->kind != Kind::directory) throw StorageError(dir, "Not a directory");
  const std::string prefix = key == "/" ? "/" : key == "." ? "" : key + "/";
  std::vector<DirEntry> out;
  for (auto it = nodes_.lower_bound(prefix); it != nodes_.end(); ++it) {
    const std::string& name = it->first;
    if (name.compare(0, prefix.size(), prefix) != 0) break;
    if (name.size() == prefix.size() || name.find('/', prefix.size()) != std::string::npos) continue;
    if (key == "." && name.front() == '/') continue;
    DirEntry entry;
    entry.name = name.substr(prefix.size());
    const Node* target = &it->second;
    if (target->kind == Kind::symlink) {
      if (options.resolve_types) {
        target = resolve(name, nullptr, true);
      } else {
        entry.type = EntryType::symlink;
      }
    }
    if (entry.type != EntryType::symlink) {
      entry.type = target == nullptr                     ? EntryType::missing
                   : target->kind == Kind::directory ? EntryType::directory
                                                     : EntryType::file;
    }
    if (options.directories_only && entry.type != EntryType::directory && entry.type != EntryType::symlink) continue;
    if (options.with_mtime && target != nullptr) entry.mtime = target->mtime;
    out.push_back(std::move(entry));
  }
  return out;
}

FileStat MemoryStorage::stat(const std::string& path) const {
  std::lock_guard lock(mutex_);
  ++counters_.stats;
  const Node* node = resolve(path, nullptr, true);
  if (node == nullptr) return FileStat{};
  if (node->kind == Kind::directory) return FileStat{EntryType::directory, 0, node->mtime};
  return FileStat{EntryType::file, node->content.size(), node->mtime};
}

FileStat MemoryStorage::lstat(const std::string& path) const {
  std::lock_guard lock(mutex_);
  ++counters_.stats;
  const Node* node = resolve(path, nullptr, false);
  if (node == nullptr) return FileStat{};
  switch (node->kind) {
    case Kind::directory: return FileStat{EntryType::directory, 0, node->mtime};
    case Kind::symlink: return FileStat{EntryType::symlink, node->content.size(), node->mtime};
    case Kind::file: break;
  }
  return FileStat{EntryType::file, node->content.size(), node->mtime};
}

const MemoryStorage::Node& MemoryStorage::regular_file(const std::string& path) const {
  const Node* node = resolve(path, nullptr, true);
  if (node == nullptr) throw StorageError(path, "No such file or directory");
  if (node->kind != Kind::file) throw StorageError(path, "Is a directory");
  return *node;
}

std::string MemoryStorage::read(const std::string& path, std::uint64_t max_bytes) const {
  std::lock_guard lock(mutex_);
  ++counters_.reads;
  const Node& node = regular_file(path);
  if (node.content.size() > max_bytes) throw StorageError(path, "file too large");
  return node.content;
}

std::string MemoryStorage::read_range(const std::string& path, std::uint64_t offset, std::uint64_t length) const {
  std::lock_guard lock(mutex_);
  ++counters_.reads;
  const Node& node = regular_file(path);
  if (offset >= node.content.size()) return {};
  return node.content.substr(offset, std::min<std::uint64_t>(length, node.content.size() - offset));
}

const MemoryStorage::Node* MemoryStorage::beneath(const std::string& base, const std::string& relative,
                                                  std::string& key, bool& link) const {
  link = false;
  const Node* node = resolve(base, &key, true);  // the base itself is trusted
  const std::string rest = normalize(relative);
  for (std::size_t at = 0; node != nullptr && rest != "." && at <= rest.size();) {
    std::size_t end = rest.find('/', at);
    if (end == std::string::npos) end = rest.size();
    if (end > at) {
      if (node->kind != Kind::directory) return nullptr;
      key = key == "/" ? "/" + rest.substr(at, end - at) : key + "/" + rest.substr(at, end - at);
      node = find(key);
      if (node != nullptr && node->kind == Kind::symlink) {
        link = true;
        return nullptr;
      }
    }
    at = end + 1;
  }
  return node;
}

std::vector<DirEntry> MemoryStorage::list_beneath(const std::string& base, const std::string& relative,
                                                  bool with_mtime) const {
  const std::string path = join(base, relative);
  std::string key;
  bool link = false;
  {
    std::lock_guard lock(mutex_);
    const Node* node = beneath(base, relative, key, link);
    if (link) throw StorageError(path, "a symlink: not followed");
    if (node == nullptr) throw StorageError(path, "cannot list directory: No such file or directory");
    if (node->kind != Kind::directory) throw StorageError(path, "cannot list directory: Not a directory");
  }
  return list(key, ListOptions{with_mtime, false});
}

FileTail MemoryStorage::read_tail_beneath(const std::string& base, const std::string& relative,
                                          std::uint64_t max_bytes) const {
  std::lock_guard lock(mutex_);
  ++counters_.reads;
  std::string key;
  bool link = false;
  const Node* node = beneath(base, relative, key, link);
  if (link) return FileTail{FileStat{EntryType::symlink}, {}};
  if (node == nullptr) return FileTail{FileStat{}, {}};
  if (node->kind == Kind::directory) return FileTail{FileStat{EntryType::directory, 0, node->mtime}, {}};
  const std::string& bytes = node->content;
  const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(max_bytes, bytes.size()));
  return FileTail{FileStat{EntryType::file, bytes.size(), node->mtime}, bytes.substr(bytes.size() - take)};
}

std::string MemoryStorage::directory_identity(const std::string& dir) const {
  // The path once every link on it is followed, as an inode would say (a
  // path without links: itself, as the default answers).
  std::lock_guard lock(mutex_);
  std::string resolved;
  return resolve(dir, &resolved, true) != nullptr ? resolved : dir;
}

std::size_t MemoryStorage::node_count() const {
  std::lock_guard lock(mutex_);
  return nodes_.size();
}

Storage::Counters MemoryStorage::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace jobmon::test
