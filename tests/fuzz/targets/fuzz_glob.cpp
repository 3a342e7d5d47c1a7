// The glob matcher (one component against one pattern) and the expander
// (a pattern against a tree, through Storage). The tree is the input's last
// section, one path per line: "dir/" is a directory, "a -> b" a symlink,
// anything else a file. Expansion must end (symlink loops, `**`), list each
// directory a bounded number of times, and only name directories of the tree.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/glob.hpp"
#include "memory_storage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = jobmon::fuzz::sections(jobmon::fuzz::as_text(data, size), 3);
  const std::string_view pattern = parts[0];
  const std::string_view name = parts.size() > 1 ? parts[1] : pattern;
  (void)jobmon::has_glob_chars(pattern);
  bool valid = true;
  try {
    jobmon::validate_glob(pattern);
  } catch (const jobmon::UsageError&) {
    valid = false;
  }
  try {
    (void)jobmon::glob_match(pattern, name);
  } catch (const jobmon::UsageError&) {
  }
  if (!valid || parts.size() < 3 || pattern.size() > 256) return 0;

  jobmon::test::MemoryStorage storage;
  storage.make_dir("/r");
  std::size_t nodes = 0;
  for (std::string_view line : jobmon::fuzz::lines(parts[2])) {
    if (line.empty() || ++nodes > 64) continue;
    const std::string path = "/r/" + std::string(line);
    const auto arrow = line.find(" -> ");
    if (arrow != std::string_view::npos) {
      storage.make_symlink("/r/" + std::string(line.substr(0, arrow)), std::string(line.substr(arrow + 4)));
    } else if (line.back() == '/') {
      storage.make_dir(path);
    } else {
      storage.put_file(path, "x");
    }
  }
  // Each directory needs listing at most once per pattern component: a walk
  // that lists more is exponential somewhere (consecutive `**`, symlinks).
  const std::size_t components = 2 + static_cast<std::size_t>(std::count(pattern.begin(), pattern.end(), '/'));
  const std::size_t budget = (storage.node_count() + 2) * components * 4;
  try {
    const std::vector<std::string> dirs = jobmon::expand_glob(storage, "/r/" + std::string(pattern));
    const std::size_t lists = storage.counters().lists;
    if (lists > budget && !jobmon::fuzz::tolerated("glob-walk")) {
      jobmon::fuzz::fail("expand_glob listed directories far more often than the tree and pattern need",
                         std::to_string(lists) + " listings for " + std::to_string(storage.node_count()) + " nodes and " +
                             std::to_string(components) + " pattern components");
    }
    for (const std::string& dir : dirs) {
      if (storage.stat(dir).type != jobmon::EntryType::directory) jobmon::fuzz::fail("expand_glob named a non-directory", dir);
    }
  } catch (const jobmon::StorageError&) {
  } catch (const jobmon::UsageError&) {
  }
  return 0;
}
