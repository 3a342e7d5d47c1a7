// The glob matcher (one component against one pattern) and the expander
// (a pattern against a tree, through Storage). The tree is the input's last
// section, one path per line: "dir/" is a directory, "a -> b" a symlink,
// anything else a file. Expansion must end (symlink loops, `**`) and only
// name directories of the tree.
#include <string>

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
  try {
    for (const std::string& dir : jobmon::expand_glob(storage, "/r/" + std::string(pattern))) {
      if (storage.stat(dir).type != jobmon::EntryType::directory) jobmon::fuzz::fail("expand_glob named a non-directory", dir);
    }
  } catch (const jobmon::StorageError&) {
  } catch (const jobmon::UsageError&) {
  }
  return 0;
}
