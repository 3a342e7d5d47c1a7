#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "jobmon/error.hpp"
#include "jobmon/storage/storage.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

TEST_CASE("Storage: list reports names and types, resolving symlinks", "[storage]") {
  test::TempTree tree;
  tree.mkdir("d/sub");
  tree.write("d/file", "hello");
  tree.symlink(tree.path("d/sub"), "d/link_to_dir");
  tree.symlink(tree.path("d/missing"), "d/dangling");
  LocalStorage storage;
  auto entries = storage.list(tree.path("d"));
  std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].name == "dangling");
  CHECK(entries[0].type == EntryType::missing);
  CHECK(entries[1].name == "file");
  CHECK(entries[1].type == EntryType::file);
  CHECK(entries[2].name == "link_to_dir");
  CHECK(entries[2].type == EntryType::directory);
  CHECK(entries[3].type == EntryType::directory);
  CHECK_FALSE(entries[1].mtime.has_value());

  // Without resolve_types a link stays a link, even when mtimes are asked for.
  auto raw = storage.list(tree.path("d"), ListOptions{true, false});
  std::sort(raw.begin(), raw.end(), [](auto& a, auto& b) { return a.name < b.name; });
  CHECK(raw[0].type == EntryType::symlink);
  CHECK(raw[2].type == EntryType::symlink);
  CHECK(storage.lstat(tree.path("d/link_to_dir")).type == EntryType::symlink);
  CHECK(storage.stat(tree.path("d/link_to_dir")).type == EntryType::directory);
}

TEST_CASE("Storage: mtimes on request, with sub-second precision", "[storage]") {
  test::TempTree tree;
  tree.write("d/a", "");
  tree.set_mtime("d/a", 1700000000.25);
  LocalStorage storage;
  auto entries = storage.list(tree.path("d"), ListOptions{true, true});
  REQUIRE(entries.size() == 1);
  REQUIRE(entries[0].mtime.has_value());
  CHECK(*entries[0].mtime == Approx(1700000000.25).margin(1e-6));
  CHECK(storage.stat(tree.path("d/a")).mtime == Approx(1700000000.25).margin(1e-6));
}

TEST_CASE("Storage: stat of missing paths does not throw", "[storage]") {
  LocalStorage storage;
  CHECK(storage.stat("/nonexistent/jobmon/path").type == EntryType::missing);
  CHECK(storage.stat("/nonexistent/jobmon/path").error.empty());
  CHECK_FALSE(storage.stat("/nonexistent/jobmon/path").inaccessible());
}

TEST_CASE("Storage: stat tells a missing path from one that cannot be examined", "[storage]") {
  test::TempTree tree;
  tree.write("file", "x");
  tree.symlink(tree.path("loop_b"), "loop_a");
  tree.symlink(tree.path("loop_a"), "loop_b");
  LocalStorage storage;
  // A path through a file is simply not there (ENOTDIR).
  const FileStat through_file = storage.stat(tree.path("file/executor.json"));
  CHECK(through_file.type == EntryType::missing);
  CHECK_FALSE(through_file.inaccessible());
  // A symlink loop (ELOOP) is something that cannot be examined.
  const FileStat loop = storage.stat(tree.path("loop_a"));
  CHECK(loop.type == EntryType::missing);
  CHECK(loop.inaccessible());
  CHECK(loop.error == "too many levels of symbolic links");
  CHECK(storage.stat(tree.path("loop_a/executor.json")).error == "too many levels of symbolic links");
  CHECK(storage.lstat(tree.path("loop_a")).type == EntryType::symlink);  // the link itself is fine
  if (::geteuid() != 0) {  // root reads everything: EACCES only for others
    tree.mkdir("locked/inner");
    REQUIRE(::chmod(tree.path("locked").c_str(), 0) == 0);
    const FileStat locked = storage.stat(tree.path("locked/inner"));
    CHECK(locked.error == "permission denied");
    CHECK(storage.stat(tree.path("locked")).type == EntryType::directory);
    ::chmod(tree.path("locked").c_str(), 0700);
  }
}

TEST_CASE("Storage: list can keep only what may be a directory", "[storage]") {
  test::TempTree tree;
  tree.mkdir("d/sub");
  tree.write("d/file", "hello");
  tree.symlink(tree.path("d/sub"), "d/link_to_dir");
  tree.symlink(tree.path("d/file"), "d/link_to_file");
  tree.symlink(tree.path("d/missing"), "d/dangling");
  REQUIRE(::mkfifo(tree.path("d/fifo").c_str(), 0600) == 0);
  LocalStorage storage;
  auto names = [](std::vector<DirEntry> entries) {
    std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.name < b.name; });
    std::vector<std::string> out;
    for (const auto& e : entries) out.push_back(e.name + (e.type == EntryType::symlink ? "@" : "/"));
    return out;
  };
  // Links unresolved: every link kept, as a link (a walk decides what to follow).
  CHECK(names(storage.list(tree.path("d"), ListOptions{false, false, true})) ==
        std::vector<std::string>{"dangling@", "link_to_dir@", "link_to_file@", "sub/"});
  // Links resolved: only those that lead to a directory.
  CHECK(names(storage.list(tree.path("d"), ListOptions{false, true, true})) ==
        std::vector<std::string>{"link_to_dir/", "sub/"});
}

TEST_CASE("Storage: read, read_range and their failures", "[storage]") {
  test::TempTree tree;
  tree.write("f", "0123456789");
  tree.mkdir("dir");
  LocalStorage storage;
  CHECK(storage.read(tree.path("f")) == "0123456789");
  CHECK(storage.read_range(tree.path("f"), 3, 4) == "3456");
  CHECK(storage.read_range(tree.path("f"), 8, 100) == "89");
  CHECK(storage.read_range(tree.path("f"), 100, 5).empty());
  CHECK_THROWS_AS(storage.read(tree.path("f"), 5), StorageError);  // over the limit
  CHECK_THROWS_AS(storage.read(tree.path("nope")), StorageError);
  CHECK_THROWS_AS(storage.read(tree.path("dir")), StorageError);
  CHECK_THROWS_AS(storage.list(tree.path("nope")), StorageError);
  CHECK_THROWS_AS(storage.list(tree.path("f")), StorageError);
}

TEST_CASE("Storage: a FIFO where a file should be does not hang", "[storage]") {
  test::TempTree tree;
  REQUIRE(::mkfifo(tree.path("fifo").c_str(), 0600) == 0);
  LocalStorage storage;
  CHECK_THROWS_AS(storage.read(tree.path("fifo")), StorageError);
}

TEST_CASE("Storage: counters count backend calls", "[storage]") {
  test::TempTree tree;
  tree.write("d/a", "x");
  LocalStorage storage;
  storage.list(tree.path("d"));
  storage.stat(tree.path("d/a"));
  storage.read(tree.path("d/a"));
  const auto c = storage.counters();
  CHECK(c.lists == 1);
  CHECK(c.stats == 1);
  CHECK(c.reads == 1);
}

TEST_CASE("Storage: join and base_name", "[storage]") {
  LocalStorage storage;
  CHECK(storage.join("a", "b") == "a/b");
  CHECK(storage.join("a/", "b") == "a/b");
  CHECK(storage.join("", "b") == "b");
  CHECK(base_name("logs/job_a/") == "job_a");
  CHECK(base_name("job") == "job");
  CHECK(base_name("/") == "/");
}
