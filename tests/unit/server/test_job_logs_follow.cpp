// Following a growing log by byte offset (read_log_from), and the listing of
// a job's log folders that the page's picker shows (list_log_files).
#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fstream>

#include "server/job_logs.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using detail::read_log_from;

namespace {
void append(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::app) << text; }
}  // namespace

TEST_CASE("read_log_from: a tail, then only what was appended, whole lines only", "[server]") {
  test::TempTree tree;
  tree.write("job/logs/task_00000.log", "one\ntwo\nthree\npartial");
  LocalStorage storage;
  const std::string job = tree.path("job");

  auto first = read_log_from(storage, job, "logs/task_00000.log", std::nullopt, 2, 1 << 20);
  CHECK(first.error.empty());
  CHECK(first.lines == std::vector<std::string>{"two", "three"});
  CHECK(first.size == 21);
  CHECK(first.next_offset == 14);  // after "three\n": the unterminated line waits

  append(tree.path("job/logs/task_00000.log"), " line\nfour\n");
  auto next = read_log_from(storage, job, "logs/task_00000.log", first.next_offset, 100, 1 << 20);
  CHECK(next.lines == std::vector<std::string>{"partial line", "four"});
  CHECK(next.next_offset == next.size);
  CHECK_FALSE(next.reset);
  CHECK(next.skipped_bytes == 0);

  auto idle = read_log_from(storage, job, "logs/task_00000.log", next.next_offset, 100, 1 << 20);
  CHECK(idle.lines.empty());
  CHECK(idle.next_offset == next.next_offset);
}

TEST_CASE("read_log_from: a truncated file starts over, a flood skips what no client could read", "[server]") {
  test::TempTree tree;
  tree.write("job/logs/a.log", "aaaa\nbbbb\ncccc\n");
  LocalStorage storage;
  const std::string job = tree.path("job");

  // The file was replaced by a shorter one: the old offset is past its end.
  tree.write("job/logs/a.log", "new\n");
  auto reset = read_log_from(storage, job, "logs/a.log", 15, 100, 1 << 20);
  CHECK(reset.reset);
  CHECK(reset.lines == std::vector<std::string>{"new"});
  CHECK(reset.next_offset == 4);

  // 10 bytes readable per call: from offset 0 of a 30-byte file, 20 are skipped
  // and the partial line at the cut is dropped.
  tree.write("job/logs/b.log", "line-0001\nline-0002\nline-0003\n");
  auto flood = read_log_from(storage, job, "logs/b.log", 0, 100, 12);
  CHECK(flood.skipped_bytes == 18);
  CHECK(flood.lines == std::vector<std::string>{"line-0003"});
  CHECK(flood.next_offset == 30);
}

TEST_CASE("read_log_from: missing, symlinked, FIFO and directory logs are refused with a reason", "[server]") {
  test::TempTree tree;
  tree.write("secret", "key\n");
  tree.mkdir("job/logs/dir.log");
  tree.symlink(tree.path("secret"), "job/logs/link.log");
  REQUIRE(::mkfifo(tree.path("job/logs/fifo.log").c_str(), 0600) == 0);
  LocalStorage storage;
  const std::string job = tree.path("job");
  CHECK(read_log_from(storage, job, "logs/none.log", std::nullopt, 10, 1024).error == "no such log file");
  const auto link = read_log_from(storage, job, "logs/link.log", std::nullopt, 10, 1024);
  CHECK(link.error == "a symlink: not followed");
  CHECK(link.lines.empty());
  CHECK(read_log_from(storage, job, "logs/fifo.log", std::nullopt, 10, 1024).error == "not a regular file: not read");
  CHECK(read_log_from(storage, job, "logs/dir.log", std::nullopt, 10, 1024).error == "not a regular file: not read");
  // The JSON form says so too, with the offsets a client resumes from.
  const auto o = detail::to_json(link);
  CHECK(o.at("error") == "a symlink: not followed");
  CHECK(o.at("next_offset") == 0);
}

TEST_CASE("valid_log_path: only a plain file name in logs/ or log/", "[server]") {
  CHECK(detail::valid_log_path("logs/task_00003.log"));
  CHECK(detail::valid_log_path("log/export_run.txt"));
  CHECK_FALSE(detail::valid_log_path("logs/"));
  CHECK_FALSE(detail::valid_log_path("logs/.."));
  CHECK_FALSE(detail::valid_log_path("logs/../executor.json"));
  CHECK_FALSE(detail::valid_log_path("logs/sub/x.log"));
  CHECK_FALSE(detail::valid_log_path("executor.json"));
  CHECK_FALSE(detail::valid_log_path("/etc/passwd"));
  CHECK_FALSE(detail::valid_log_path(std::string_view("logs/a\0b", 8)));
}

TEST_CASE("list_log_files: logs/ and log/, newest first, ranks named, links skipped, bounded", "[server]") {
  test::TempTree tree;
  tree.write("job/logs/task_00007.log", "x\n");
  tree.write("job/logs/task_00012.log", "x\n");
  tree.write("job/log/dj_export.txt", "x\n");
  tree.write("outside.log", "x\n");
  tree.symlink(tree.path("outside.log"), "job/logs/task_00001.log");
  tree.mkdir("job/logs/subdir");
  tree.set_mtime("job/logs/task_00007.log", 1000);
  tree.set_mtime("job/logs/task_00012.log", 3000);
  tree.set_mtime("job/log/dj_export.txt", 2000);
  LocalStorage storage;
  auto all = detail::list_log_files(storage, tree.path("job"), 100);
  CHECK(all.error.empty());
  REQUIRE(all.files.size() == 3);
  CHECK(all.total == 3);
  CHECK(all.files[0].path == "logs/task_00012.log");
  CHECK(all.files[0].rank == 12);
  CHECK(all.files[0].mtime == Approx(3000));
  CHECK(all.files[1].path == "log/dj_export.txt");
  CHECK(all.files[1].rank == -1);
  CHECK(all.files[2].rank == 7);
  auto two = detail::list_log_files(storage, tree.path("job"), 2);
  CHECK(two.files.size() == 2);
  CHECK(two.total == 3);  // the page says "2 of 3"

  // logs/ itself a link: not followed, and said.
  test::TempTree other;
  other.mkdir("elsewhere");
  other.write("elsewhere/task_00000.log", "x\n");
  other.mkdir("job");
  other.symlink(other.path("elsewhere"), "job/logs");
  auto refused = detail::list_log_files(storage, other.path("job"), 10);
  CHECK(refused.files.empty());
  CHECK(refused.error.find("logs/") == 0);
}
