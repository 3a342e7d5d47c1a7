// Shell-style path patterns: `*`, `?`, `[abc]`, `[!a-z]` inside one path
// component, and `**` as a whole component for zero or more directories.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/storage/storage.hpp"

namespace jobmon {

// True when the path contains glob syntax (an unescaped *, ? or [).
bool has_glob_chars(std::string_view path);

// Matches one path component against one pattern component. A leading dot
// must be matched explicitly (as in the shell). Throws UsageError on an
// unterminated `[`.
bool glob_match(std::string_view pattern, std::string_view name);

// Throws UsageError when the pattern is malformed (an unterminated `[`).
void validate_glob(std::string_view pattern);

// Expands a pattern to the directories it names, through storage, sorted.
// A pattern without glob syntax yields itself when it is a directory.
// `**` never descends through a symlink; a symlink matched by any other
// component is followed (once: what it leads to is not walked by `**`).
// Past a symlink, one directory reached under several names (`loop -> .`)
// is walked and named once, under the first name in sorted order, so the
// listings stay within directories x pattern components.
std::vector<std::string> expand_glob(const Storage& storage, const std::string& pattern);

// Lists one directory for expand_glob (throws StorageError like Storage::list),
// so a caller can serve repeated expansions from its own listing cache. It
// must leave symlinks unresolved (EntryType::symlink, as Storage::list with
// resolve_types off); entries other than directories and symlinks are ignored.
using DirectoryLister = std::function<std::vector<DirEntry>(const std::string& dir)>;
std::vector<std::string> expand_glob(const Storage& storage, const std::string& pattern,
                                     const DirectoryLister& lister);

}  // namespace jobmon
