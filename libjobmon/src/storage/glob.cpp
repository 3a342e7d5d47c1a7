#include "jobmon/storage/glob.hpp"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "core/text/text.hpp"
#include "jobmon/error.hpp"

namespace jobmon {
namespace {

// Matches a bracket expression starting at pattern[pos] == '['. Sets pos past
// the closing ']' and returns whether c is in the set.
bool match_bracket(std::string_view pattern, std::size_t& pos, char c) {
  std::size_t i = pos + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  bool matched = false;
  bool first = true;
  while (i < pattern.size() && (pattern[i] != ']' || first)) {
    first = false;
    char lo = pattern[i];
    if (lo == '\\' && i + 1 < pattern.size()) lo = pattern[++i];
    char hi = lo;
    if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
      hi = pattern[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) matched = true;
    ++i;
  }
  if (i >= pattern.size()) throw UsageError("unterminated '[' in pattern: " + std::string(pattern));
  pos = i + 1;
  return matched != negate;
}

}  // namespace

bool has_glob_chars(std::string_view path) {
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '\\') {
      ++i;
      continue;
    }
    if (path[i] == '*' || path[i] == '?' || path[i] == '[') return true;
  }
  return false;
}

bool glob_match(std::string_view pattern, std::string_view name) {
  if (!name.empty() && name[0] == '.' && (pattern.empty() || pattern[0] != '.')) return false;
  // Iterative matcher with one backtrack point for the last '*': linear-ish,
  // no recursion, so hostile patterns cannot blow the stack.
  std::size_t p = 0, n = 0, star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size()) {
      const char pc = pattern[p];
      if (pc == '*') {
        star_p = p++;
        star_n = n;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++n;
        continue;
      }
      if (pc == '[') {
        std::size_t next = p;
        if (match_bracket(pattern, next, name[n])) {
          p = next;
          ++n;
          continue;
        }
      } else {
        char literal = pc;
        std::size_t width = 1;
        if (pc == '\\' && p + 1 < pattern.size()) {
          literal = pattern[p + 1];
          width = 2;
        }
        if (literal == name[n]) {
          p += width;
          ++n;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  if (p < pattern.size() && pattern[p] == '[') {
    std::size_t probe = p;
    match_bracket(pattern, probe, '\0');  // validates the syntax of a trailing set
  }
  return p == pattern.size();
}

void validate_glob(std::string_view pattern) {
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '[') {
      std::size_t probe = i;
      match_bracket(pattern, probe, '\0');  // throws on an unterminated set
      i = probe - 1;
    }
  }
}

std::vector<std::string> expand_glob(const Storage& storage, const std::string& pattern) {
  static constexpr ListOptions subdirectories{/*with_mtime=*/false, /*resolve_types=*/false, /*directories_only=*/true};
  return expand_glob(storage, pattern,
                     [&storage](const std::string& dir) { return storage.list(dir, subdirectories); });
}

std::vector<std::string> expand_glob(const Storage& storage, const std::string& pattern,
                                     const DirectoryLister& lister) {
  validate_glob(pattern);
  if (!has_glob_chars(pattern)) {
    if (storage.stat(pattern).type == EntryType::directory) return {pattern};
    return {};
  }
  // The fixed root: "/" for absolute paths, "scheme://authority" for URLs
  // (s3://bucket), "" for paths relative to the current directory.
  std::string root;
  std::string rest = pattern;
  if (const auto scheme = pattern.find("://"); scheme != std::string::npos && !has_glob_chars(pattern.substr(0, scheme))) {
    const auto path_start = pattern.find('/', scheme + 3);
    root = pattern.substr(0, path_start);
    rest = path_start == std::string::npos ? std::string() : pattern.substr(path_start);
    if (has_glob_chars(root)) throw UsageError("glob characters in the bucket or host part: " + pattern);
  } else if (!pattern.empty() && pattern[0] == '/') {
    root = "/";
  }
  // `**/**` means what `**` means: one of them walks the same directories.
  std::vector<std::string> parts = detail::split_nonempty(rest, '/');
  // `.` names the directory it is in: dropped, so "a/." and "a" are one walk.
  // `..` after a glob component would reach each directory again under a new
  // name for every one matched (`**/../**` lists the tree once per directory):
  // refused, as the walk is meant to go down.
  std::erase(parts, std::string("."));
  bool after_glob = false;
  for (const std::string& part : parts) {
    if (part == ".." && after_glob) throw UsageError("'..' after a glob component is not supported: " + pattern);
    after_glob = after_glob || has_glob_chars(part);
  }
  parts.erase(std::unique(parts.begin(), parts.end(),
                          [](const std::string& a, const std::string& b) { return a == "**" && b == "**"; }),
              parts.end());
  const std::size_t first_glob = static_cast<std::size_t>(
      std::find_if(parts.begin(), parts.end(), [](const std::string& part) { return has_glob_chars(part); }) -
      parts.begin());
  std::vector<std::string> results;
  // What is left to match from a directory depends only on (directory,
  // component): each pair is walked once, so patterns with several `**`
  // (`**/a*/**/b*`) list at most directories x components times, never
  // exponentially many. A path without a symlink on it names its directory
  // alone, so the path is the key. Past a symlink one directory has a new
  // spelling at every step (`loop -> .` makes `*/*/*/x*` reach the tree once
  // per spelling: 6 entries and 5 components took 511 listings): there the key
  // is what the path leads to (Storage::directory_identity, one stat), so a
  // directory is walked, and named, at most twice: once by its plain path,
  // once by the first of its linked spellings.
  std::set<std::pair<std::string, std::size_t>> walked_paths;
  std::set<std::pair<std::string, std::size_t>> walked_dirs;
  auto first_visit = [&](const std::string& base, std::size_t index, bool via_link) {
    if (!via_link) return walked_paths.emplace(base, index).second;
    return walked_dirs.emplace(storage.directory_identity(base.empty() ? "." : base), index).second;
  };

  // Depth-first walk; `base` is the directory matched so far ("" = cwd), and
  // `via_link` says a symlink is on its path where the pattern branches (a
  // link in the plain prefix, `/data/jobs -> /mnt/jobs`, gives every
  // directory below it one spelling still, and costs no extra stat).
  // `**` never descends through a symlink (as bash's globstar): a link back
  // up, or to `/`, would make the walk endless or huge. A link matched by
  // any other component is followed, once. `depth` bounds the walk all the
  // same (bind mounts can loop too).
  constexpr int max_depth = 40;
  std::function<void(const std::string&, std::size_t, int, bool)> walk = [&](const std::string& base,
                                                                             std::size_t index, int depth,
                                                                             bool via_link) {
    if (depth > max_depth || !first_visit(base, index, via_link)) return;
    if (index == parts.size()) {
      results.push_back(base.empty() ? (root.empty() ? "." : root) : base);
      return;
    }
    const std::string& part = parts[index];
    const std::string dir = base.empty() ? (root.empty() ? "." : root) : base;
    auto child = [&](const std::string& name) {
      if (base.empty()) return root.empty() ? name : storage.join(root, name);
      return storage.join(base, name);
    };
    if (!has_glob_chars(part)) {
      // lstat first: a plain component may be a link too (`*/up/*/up` with
      // `up -> ..`); only then is it followed (stat), so plain paths cost one call.
      const std::string next = child(part);
      FileStat st = storage.lstat(next);
      const bool link = st.type == EntryType::symlink;
      if (link) st = storage.stat(next);
      if (st.type == EntryType::directory) walk(next, index + 1, depth + 1, via_link || (link && index > first_glob));
      return;
    }
    std::vector<DirEntry> entries;
    try {
      entries = lister(dir);
    } catch (const StorageError&) {
      return;  // unreadable directories simply match nothing, like the shell
    }
    std::sort(entries.begin(), entries.end(), [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    if (part == "**") {
      walk(base, index + 1, depth, via_link);  // zero directories
      for (const auto& entry : entries) {
        if (entry.type == EntryType::directory && entry.name[0] != '.') walk(child(entry.name), index, depth + 1, via_link);
      }
      return;
    }
    for (const auto& entry : entries) {
      if (!glob_match(part, entry.name)) continue;
      const std::string next = child(entry.name);
      const bool link = entry.type == EntryType::symlink;
      const bool is_dir = entry.type == EntryType::directory || (link && storage.stat(next).type == EntryType::directory);
      if (is_dir) walk(next, index + 1, depth + 1, via_link || link);
    }
  };
  walk("", 0, 0, false);
  std::sort(results.begin(), results.end());
  results.erase(std::unique(results.begin(), results.end()), results.end());
  return results;
}

}  // namespace jobmon
