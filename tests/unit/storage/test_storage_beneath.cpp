// Storage::list_beneath and read_tail_beneath: reads confined below a
// directory that never follow a link under it (the /logs route's reads).
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <iterator>

#include "jobmon/error.hpp"
#include "jobmon/storage/storage.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

TEST_CASE("Storage: read_tail_beneath reads the last bytes of a regular file", "[storage]") {
  test::TempTree tree;
  tree.write("job/logs/a.log", "0123456789");
  LocalStorage storage;
  FileTail tail = storage.read_tail_beneath(tree.path("job"), "logs/a.log", 4);
  CHECK(tail.stat.type == EntryType::file);
  CHECK(tail.stat.size == 10);
  CHECK(tail.data == "6789");
  tail = storage.read_tail_beneath(tree.path("job"), "logs/a.log", 100);
  CHECK(tail.data == "0123456789");
  CHECK(storage.read_tail_beneath(tree.path("job"), "logs//a.log", 0).data.empty());

  // The base itself is trusted: it may be a link (a symlinked job dir).
  tree.symlink(tree.path("job"), "job_link");
  CHECK(storage.read_tail_beneath(tree.path("job_link"), "logs/a.log", 3).data == "789");
}

TEST_CASE("Storage: read_tail_beneath refuses links at every step below the base", "[storage]") {
  test::TempTree tree;
  tree.write("secret", "do-not-leak");
  tree.write("outside/a.log", "do-not-leak");
  tree.mkdir("job/logs");
  tree.symlink(tree.path("secret"), "job/logs/file_link.log");
  tree.symlink(tree.path("outside"), "job/dir_link");
  tree.symlink("../../secret", "job/logs/relative_link.log");
  LocalStorage storage;
  for (const char* relative : {"logs/file_link.log", "logs/relative_link.log", "dir_link/a.log"}) {
    INFO(relative);
    const FileTail tail = storage.read_tail_beneath(tree.path("job"), relative, 100);
    CHECK(tail.stat.type == EntryType::symlink);
    CHECK(tail.data.empty());
  }
  // ".." could step out: refused, not resolved.
  const FileTail up = storage.read_tail_beneath(tree.path("job"), "logs/../../secret", 100);
  CHECK(up.stat.type == EntryType::missing);
  CHECK(up.data.empty());
  // What the plain calls do with the same paths, for contrast.
  CHECK(storage.read(tree.path("job/dir_link/a.log")) == "do-not-leak");
}

TEST_CASE("Storage: read_tail_beneath never opens what is not a regular file", "[storage]") {
  test::TempTree tree;
  tree.mkdir("job/logs/dir.log");
  REQUIRE(::mkfifo(tree.path("job/logs/fifo.log").c_str(), 0600) == 0);
  LocalStorage storage;
  CHECK(storage.read_tail_beneath(tree.path("job"), "logs/fifo.log", 100).stat.type == EntryType::other);  // no hang
  CHECK(storage.read_tail_beneath(tree.path("job"), "logs/dir.log", 100).stat.type == EntryType::directory);
  const FileTail missing = storage.read_tail_beneath(tree.path("job"), "logs/none.log", 100);
  CHECK(missing.stat.type == EntryType::missing);
  CHECK(missing.stat.error.empty());
  CHECK(storage.read_tail_beneath(tree.path("job"), "nothing/none.log", 100).stat.type == EntryType::missing);
  CHECK(storage.read_tail_beneath(tree.path("absent_job"), "logs/x", 100).stat.type == EntryType::missing);
}

TEST_CASE("Storage: list_beneath lists a directory below the base, never through a link", "[storage]") {
  test::TempTree tree;
  tree.write("job/logs/a.log", "a");
  tree.write("outside/secret.log", "do-not-leak");
  tree.symlink(tree.path("outside/secret.log"), "job/logs/link.log");
  tree.symlink(tree.path("outside"), "job/logs_link");
  tree.symlink(tree.path("outside"), "job/logs/sub_link");
  LocalStorage storage;
  auto entries = storage.list_beneath(tree.path("job"), "logs", true);
  std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].name == "a.log");
  CHECK(entries[0].type == EntryType::file);
  CHECK(entries[0].mtime.has_value());
  CHECK(entries[1].type == EntryType::symlink);  // links stay links
  CHECK(entries[2].type == EntryType::symlink);
  CHECK_THROWS_WITH(storage.list_beneath(tree.path("job"), "logs_link", false),
                    Catch::Contains("a symlink: not followed"));
  CHECK_THROWS_WITH(storage.list_beneath(tree.path("job"), "logs/sub_link", false),
                    Catch::Contains("a symlink: not followed"));
  CHECK_THROWS_AS(storage.list_beneath(tree.path("job"), "missing", false), StorageError);
  CHECK_THROWS_AS(storage.list_beneath(tree.path("job"), "logs/a.log", false), StorageError);
  CHECK_THROWS_AS(storage.list_beneath(tree.path("job"), "..", false), StorageError);
}

namespace {

// A backend without links: the base class's confined calls are its plain ones.
class NoLinksStorage final : public Storage {
 public:
  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& dir, const ListOptions&) const override {
    if (dir != "bucket/job/logs") throw StorageError(dir, "no such prefix");
    return {DirEntry{"a.log", EntryType::file, 5.0}};
  }
  FileStat stat(const std::string& path) const override {
    return path == "bucket/job/logs/a.log" ? FileStat{EntryType::file, 10, 5.0} : FileStat{};
  }
  std::string read(const std::string& path, std::uint64_t) const override { return read_range(path, 0, 10); }
  std::string read_range(const std::string&, std::uint64_t offset, std::uint64_t length) const override {
    return std::string("0123456789").substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(length));
  }
  Counters counters() const override { return {}; }
};

}  // namespace

TEST_CASE("Storage: backends without links answer the confined calls with the plain ones", "[storage]") {
  NoLinksStorage storage;
  CHECK(storage.list_beneath("bucket/job", "logs", false).size() == 1);
  const FileTail tail = storage.read_tail_beneath("bucket/job", "logs/a.log", 3);
  CHECK(tail.stat.size == 10);
  CHECK(tail.data == "789");
  CHECK(storage.read_tail_beneath("bucket/job", "logs/b.log", 3).stat.type == EntryType::missing);
}

namespace {
std::size_t open_fds() {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                                                std::filesystem::directory_iterator{}));
}
}  // namespace

TEST_CASE("Storage: the confined calls close every descriptor they open, also when they refuse", "[storage]") {
  test::TempTree tree;
  tree.write("job/logs/a.log", "a");
  tree.mkdir("job/logs/dir.log");
  tree.symlink(tree.path("job/logs/a.log"), "job/logs/link.log");
  tree.symlink(tree.path("job/logs"), "job/logs_link");
  REQUIRE(::mkfifo(tree.path("job/logs/fifo.log").c_str(), 0600) == 0);
  LocalStorage storage;
  const std::size_t before = open_fds();
  for (int i = 0; i < 50; ++i) {
    for (const char* relative : {"logs/a.log", "logs/dir.log", "logs/link.log", "logs/fifo.log", "logs/none.log",
                                 "logs_link/a.log", "none/a.log", "logs/a.log/x", ".."})
      storage.read_tail_beneath(tree.path("job"), relative, 10);
    for (const char* relative : {"logs", "logs_link", "none", "logs/a.log"}) {
      try {
        storage.list_beneath(tree.path("job"), relative, true);
      } catch (const StorageError&) {
      }
    }
  }
  CHECK(open_fds() == before);
}
