// A followed events file that is replaced, rewritten or shrunk while its
// first 64 bytes stay the same: update() must notice (device+inode, size,
// mtime, the bytes before the read offset), start over, and end up exactly
// where a one-shot read of the new file is. Run with a LocalStorage (which
// gives device+inode) and with a storage that gives no identity (as S3).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>

#include "jobmon/datajuicer/snapshot.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::test::TempTree;

namespace {

// A LocalStorage without directory_identity (like S3: the path is all it
// answers) that counts read_range calls.
class NoIdentityStorage : public Storage {
 public:
  std::vector<DirEntry> list(const std::string& d, const ListOptions& o) const override { return local_.list(d, o); }
  FileStat stat(const std::string& p) const override { return local_.stat(p); }
  std::string read(const std::string& p, std::uint64_t m) const override { return local_.read(p, m); }
  std::string read_range(const std::string& p, std::uint64_t offset, std::uint64_t length) const override {
    std::lock_guard lock(mutex_);
    ++ranges;
    return local_.read_range(p, offset, length);
  }
  Counters counters() const override { return local_.counters(); }
  mutable std::uint64_t ranges = 0;

 private:
  LocalStorage local_;
  mutable std::mutex mutex_;
};

// The same first 64 bytes whatever the job does next.
const std::string head_line =
    R"({"event_type":"job_start","timestamp":1000,"job_id":"replaced-job","metadata":{"num_partitions":4}})" "\n";

std::string line(const char* type, int pid, double t, const char* extra = "") {
  return fmt::format(R"({{"event_type":"{}","timestamp":{},"partition_id":{}{}}})", type, t, pid, extra) + "\n";
}

// Partition 0 completed, 1-3 failed.
std::string first_run() {
  return head_line + line("op_start", 0, 1001, R"(,"operation_idx":0,"operation_name":"clean")") +
         line("op_complete", 0, 1002, R"(,"operation_idx":0,"operation_name":"clean")") +
         line("partition_complete", 0, 1003, R"(,"metadata":{"success":true})") +
         line("partition_failed", 1, 1004, R"(,"error_message":"a")") + line("partition_failed", 2, 1005, R"(,"error_message":"b")") +
         line("partition_failed", 3, 1006, R"(,"error_message":"c")");
}

// Every partition failed; longer than first_run().
std::string second_run() {
  std::string s = head_line;
  for (int pid = 0; pid < 4; ++pid) {
    s += line("op_start", pid, 2001 + pid, R"(,"operation_idx":0,"operation_name":"clean")");
    s += line("op_failed", pid, 2002 + pid, R"(,"operation_idx":0,"operation_name":"clean","error_message":"OOM")");
    s += line("partition_failed", pid, 2003 + pid, R"(,"error_message":"worker lost")");
  }
  return s;
}

std::string document(const Snapshot& s) { return boost::json::serialize(to_json(s)); }

// The follower's result equals a one-shot read of what is there now.
void check_same_as_one_shot(const SnapshotAnalyzer& follower, const std::string& dir,
                            const std::shared_ptr<const Storage>& storage, std::int64_t completed, std::int64_t failed) {
  const Snapshot followed = follower.snapshot(5000);
  const Snapshot one_shot = analyze_work_dir(dir, 5000, storage);
  CHECK(one_shot.completed_partitions == completed);
  CHECK(one_shot.failed_partitions == failed);
  CHECK(followed.completed_partitions == one_shot.completed_partitions);
  CHECK(followed.failed_partitions == one_shot.failed_partitions);
  CHECK(followed.events_analyzed == one_shot.events_analyzed);
  CHECK(followed.skipped.total() == one_shot.skipped.total());
  CHECK(document(followed) == document(one_shot));
}

std::shared_ptr<const Storage> storage_kind(bool with_identity) {
  if (with_identity) return std::make_shared<LocalStorage>();
  return std::make_shared<NoIdentityStorage>();
}

}  // namespace

TEST_CASE("Snapshot follower: a file renamed over the events file, same head and longer", "[datajuicer]") {
  const bool with_identity = GENERATE(true, false);
  CAPTURE(with_identity);
  TempTree tree;
  tree.write("job/events.jsonl", first_run());
  const auto storage = storage_kind(with_identity);
  SnapshotAnalyzer follower(tree.path("job"), storage);
  follower.update();
  CHECK(follower.snapshot(5000).completed_partitions == 1);
  CHECK(follower.snapshot(5000).failed_partitions == 3);

  tree.write("job/events.new", second_run());
  std::filesystem::rename(tree.path("job/events.new"), tree.path("job/events.jsonl"));
  follower.update();
  check_same_as_one_shot(follower, tree.path("job"), storage, 0, 4);
}

TEST_CASE("Snapshot follower: the events file truncated and rewritten in place", "[datajuicer]") {
  const bool with_identity = GENERATE(true, false);
  CAPTURE(with_identity);
  TempTree tree;
  tree.write("job/events.jsonl", first_run());
  const auto storage = storage_kind(with_identity);
  SnapshotAnalyzer follower(tree.path("job"), storage);
  follower.update();
  CHECK(follower.snapshot(5000).completed_partitions == 1);

  tree.write("job/events.jsonl", second_run());  // O_TRUNC: the same inode, longer
  follower.update();
  check_same_as_one_shot(follower, tree.path("job"), storage, 0, 4);

  // Rewritten again to exactly the same size, changed only in the middle:
  // only the mtime tells (set apart explicitly: file times tick coarsely).
  std::string same_size = second_run();
  const auto at = same_size.find("worker lost");
  same_size.replace(at, 11, "worker gone");
  const auto at2 = same_size.find("\"op_failed\"");
  same_size.replace(at2, 11, "\"op_bogus1\"");  // an event jobmon does not act on: op 0 of p0 stays in progress
  tree.write("job/events.jsonl", same_size);
  tree.set_mtime("job/events.jsonl", 1.9e9);
  follower.update();
  check_same_as_one_shot(follower, tree.path("job"), storage, 0, 4);
}

TEST_CASE("Snapshot follower: a file that shrank below what was seen, same head", "[datajuicer]") {
  const bool with_identity = GENERATE(true, false);
  CAPTURE(with_identity);
  TempTree tree;
  // Complete lines and a long unterminated tail: seen, not yet used.
  const std::string torn = R"({"event_type":"partition_failed","timestamp":1007,"partition_id":0,"error_message":")" +
                           std::string(200, 'x');
  tree.write("job/events.jsonl", first_run() + torn);
  const auto storage = storage_kind(with_identity);
  SnapshotAnalyzer follower(tree.path("job"), storage);
  follower.update();
  CHECK(follower.snapshot(5000).completed_partitions == 1);

  // Rewritten shorter than before, but not shorter than the offset the follower is at.
  std::string shorter = head_line;
  for (int pid = 0; pid < 4; ++pid) shorter += line("partition_failed", pid, 3000 + pid, R"(,"error_message":"z")");
  while (shorter.size() < first_run().size() + 10) shorter += "\n";
  REQUIRE(shorter.size() < first_run().size() + torn.size());
  tree.write("job/events.jsonl", shorter);
  follower.update();
  check_same_as_one_shot(follower, tree.path("job"), storage, 0, 4);
}

TEST_CASE("Snapshot follower: an untouched file costs no read, an append reads on", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events.jsonl", first_run());
  const auto storage = std::make_shared<NoIdentityStorage>();
  SnapshotAnalyzer follower(tree.path("job"), storage);
  follower.update();
  const std::uint64_t after_first = storage->ranges;
  follower.update();
  follower.update();
  CHECK(storage->ranges == after_first);  // size and mtime unchanged: not one read_range

  tree.write("job/events.jsonl", first_run() + line("partition_start", 0, 1010));  // appended
  follower.update();
  // Two requests, as before this check existed: the first bytes, and the new
  // ones together with the 64 bytes before them.
  CHECK(storage->ranges == after_first + 2);
  check_same_as_one_shot(follower, tree.path("job"), storage, 0, 3);
  CHECK(follower.snapshot(5000).in_progress_partitions == 1);
}
