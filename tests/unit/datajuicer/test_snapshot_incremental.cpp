// SnapshotAnalyzer::update(): reads only appended bytes, holds a torn last
// line, starts over on truncation or replacement, picks up new files; and
// the one-shot paths (finish, list_jobs, load_events, missing dirs).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <mutex>
#include <sstream>
#include <vector>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using jobmon::test::TempTree;
using jobmon::test::read_text;

namespace {

// LocalStorage that remembers every read_range, to prove what update() reads.
class RecordingStorage : public Storage {
 public:
  std::vector<DirEntry> list(const std::string& d, const ListOptions& o) const override { return local_.list(d, o); }
  FileStat stat(const std::string& p) const override { return local_.stat(p); }
  std::string read(const std::string& p, std::uint64_t m) const override { return local_.read(p, m); }
  std::string read_range(const std::string& p, std::uint64_t offset, std::uint64_t length) const override {
    std::string data = local_.read_range(p, offset, length);
    std::lock_guard lock(mutex_);
    ranges.push_back({p, offset, data.size()});
    return data;
  }
  Counters counters() const override { return local_.counters(); }
  struct Range {
    std::string path;
    std::uint64_t offset, size;
  };
  mutable std::vector<Range> ranges;

 private:
  LocalStorage local_;
  mutable std::mutex mutex_;
};

std::string op_line(int pid, int idx, const char* type, double t) {
  return fmt::format(R"({{"event_type":"{}","timestamp":{},"partition_id":{},"operation_name":"op{}","operation_idx":{}}})",
                     type, t, pid, idx, idx) + "\n";
}

std::string start_line(int partitions) {
  return fmt::format(R"({{"event_type":"job_start","timestamp":1000,"job_id":"inc","metadata":{{"num_partitions":{}}}}})",
                     partitions) + "\n";
}

std::uint64_t bytes_read_of(const RecordingStorage& s, const std::string& path, std::size_t from) {
  std::uint64_t total = 0;
  for (std::size_t i = from; i < s.ranges.size(); ++i)
    if (s.ranges[i].path == path && s.ranges[i].size > 64) total += s.ranges[i].size;  // ignore head checks
  return total;
}

}  // namespace

TEST_CASE("Snapshot: update() holds a torn last line and reads only appended bytes", "[datajuicer]") {
  TempTree tree;
  const std::string file = tree.path("job/events_20250917_101500.jsonl");
  std::string content = start_line(2) + op_line(0, 0, "op_start", 1001) + op_line(0, 0, "op_complete", 1002);
  const std::string torn = R"({"event_type":"op_start","timestamp":1003,"partition_id":1,"oper)";
  tree.write("job/events_20250917_101500.jsonl", content + torn);
  auto storage = std::make_shared<RecordingStorage>();
  SnapshotAnalyzer analyzer(tree.path("job"), storage);
  analyzer.update();
  Snapshot s = analyzer.snapshot(2000);
  CHECK(s.events_analyzed == 3);
  CHECK(s.completed_operations == 1);
  REQUIRE(s.events_files.size() == 1);
  CHECK(s.events_files[0].partial_last_line);
  CHECK(s.events_files[0].bytes == content.size());

  // The writer finishes the line and adds one more.
  const std::string rest = R"(ation_name":"op0","operation_idx":0})" "\n" + op_line(1, 0, "op_complete", 1004);
  tree.write("job/events_20250917_101500.jsonl", content + torn + rest);
  const std::size_t mark = storage->ranges.size();
  analyzer.update();
  s = analyzer.snapshot(2000);
  CHECK(s.events_analyzed == 5);
  CHECK(s.completed_operations == 2);
  CHECK_FALSE(s.events_files[0].partial_last_line);
  CHECK(s.skipped.total() == 0);
  // Only the held line and what follows it were read again, after the 64
  // bytes before it (checked in the same request: the file was not rewritten).
  CHECK(bytes_read_of(*storage, file, mark) == 64 + torn.size() + rest.size());

  // Nothing new: nothing read at all.
  const std::size_t mark2 = storage->ranges.size();
  analyzer.update();
  CHECK(bytes_read_of(*storage, file, mark2) == 0);
  CHECK(analyzer.snapshot(2000).events_analyzed == 5);
}

TEST_CASE("Snapshot: finish() uses a complete unterminated last line, update() waits for it", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events.jsonl", start_line(1) + op_line(0, 0, "op_start", 1001) +
                                     R"({"event_type":"job_complete","timestamp":1005})");
  SnapshotAnalyzer analyzer(tree.path("job"));
  analyzer.update();
  CHECK(analyzer.snapshot(2000).overall_status == RunStatus::in_progress);
  analyzer.finish();
  const Snapshot s = analyzer.snapshot(2000);
  CHECK(s.overall_status == RunStatus::completed);
  CHECK(s.events_analyzed == 3);
  CHECK_FALSE(s.events_files[0].partial_last_line);
  // A later newline does not count the line twice.
  tree.write("job/events.jsonl", start_line(1) + op_line(0, 0, "op_start", 1001) +
                                     R"({"event_type":"job_complete","timestamp":1005})" "\n");
  analyzer.update();
  CHECK(analyzer.snapshot(2000).events_analyzed == 3);
}

namespace {

void check_same_reading(const Snapshot& followed, const Snapshot& one_shot) {
  CHECK(followed.overall_status == one_shot.overall_status);
  CHECK(followed.state == one_shot.state);
  CHECK(followed.events_analyzed == one_shot.events_analyzed);
  CHECK(followed.skipped.blank == one_shot.skipped.blank);
  CHECK(followed.skipped.corrupt == one_shot.skipped.corrupt);
  CHECK(followed.skipped.torn == one_shot.skipped.torn);
  CHECK(followed.skipped.no_event_type == one_shot.skipped.no_event_type);
  CHECK(followed.skipped.too_long == one_shot.skipped.too_long);
  CHECK(followed.skipped.out_of_range == one_shot.skipped.out_of_range);
  CHECK(followed.skipped.total() == one_shot.skipped.total());
  CHECK(followed.completed_operations == one_shot.completed_operations);
}

}  // namespace

TEST_CASE("Snapshot: update() uses a complete unterminated last line that stayed the same over a refresh",
          "[datajuicer]") {
  TempTree tree;
  jobmon::test::copy_tree(std::string(JOBMON_TEST_DATA) + "/dj/corrupt", tree.path("job"));
  const std::string file = tree.path("job/events.jsonl");
  REQUIRE(read_text(file).back() != '\n');  // the corpus case ends in job_complete without a newline
  const Snapshot one_shot = analyze_work_dir(tree.path("job"), 1758108200);
  REQUIRE(one_shot.overall_status == RunStatus::completed);

  SnapshotAnalyzer analyzer(tree.path("job"));
  analyzer.update();  // first sight of the tail: it may still be written
  Snapshot s = analyzer.snapshot(1758108200);
  CHECK(s.overall_status == RunStatus::in_progress);
  CHECK(s.events_files[0].partial_last_line);
  analyzer.update();  // unchanged since: used, as a one-shot read uses it
  s = analyzer.snapshot(1758108200);
  CHECK_FALSE(s.events_files[0].partial_last_line);
  check_same_reading(s, one_shot);

  // The writer adds the newline later: nothing changes (no blank line).
  tree.write("job/events.jsonl", read_text(file) + "\n");
  analyzer.update();
  s = analyzer.snapshot(1758108200);
  check_same_reading(s, one_shot);
  // And lines after it are read on.
  tree.write("job/events.jsonl", read_text(file) + "\n");
  analyzer.update();
  CHECK(analyzer.snapshot(1758108200).skipped.blank == one_shot.skipped.blank + 1);
}

TEST_CASE("Snapshot: an unterminated line that grows after it was used makes update() read again", "[datajuicer]") {
  TempTree tree;
  const std::string head = start_line(1) + op_line(0, 0, "op_start", 1001);
  const std::string tail = R"({"event_type":"job_complete","timestamp":1005})";
  tree.write("job/events.jsonl", head + tail);
  SnapshotAnalyzer analyzer(tree.path("job"));
  analyzer.update();
  CHECK(analyzer.snapshot(2000).overall_status == RunStatus::in_progress);  // held once
  analyzer.update();
  CHECK(analyzer.snapshot(2000).overall_status == RunStatus::completed);
  CHECK(analyzer.snapshot(2000).events_analyzed == 3);

  // It was not complete after all: the line goes on. The line is now
  // corrupt, as a one-shot read of the same file says.
  tree.write("job/events.jsonl", head + tail + R"(, "more":1})" "\n" + op_line(0, 0, "op_complete", 1006));
  analyzer.update();
  const Snapshot followed = analyzer.snapshot(2000);
  const Snapshot one_shot = analyze_work_dir(tree.path("job"), 2000);
  CHECK(followed.overall_status == RunStatus::in_progress);
  CHECK(followed.skipped.corrupt == 1);
  CHECK(followed.completed_operations == 1);
  check_same_reading(followed, one_shot);

  // A tail that keeps changing between refreshes is never used early.
  tree.write("job2/events.jsonl", head + R"({"event_type":"op_complete","timestamp":1002,"partition_id":0,"operation_idx":0})");
  SnapshotAnalyzer second(tree.path("job2"));
  second.update();
  tree.write("job2/events.jsonl", head + R"({"event_type":"op_complete","timestamp":1002,"partition_id":0,"operation_idx":0})" "\n" +
                                      R"({"event_type":"job_complete","timestamp":1005})");
  second.update();  // a new tail, seen once: held
  Snapshot s2 = second.snapshot(2000);
  CHECK(s2.overall_status == RunStatus::in_progress);
  CHECK(s2.completed_operations == 1);
  second.update();
  CHECK(second.snapshot(2000).overall_status == RunStatus::completed);
}

TEST_CASE("Snapshot: a truncated or replaced events file is read again from the start", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events.jsonl", start_line(2) + op_line(0, 0, "op_start", 1001) + op_line(0, 0, "op_complete", 1002) +
                                     op_line(1, 0, "op_start", 1003));
  SnapshotAnalyzer analyzer(tree.path("job"));
  analyzer.update();
  CHECK(analyzer.snapshot(2000).events_analyzed == 4);
  CHECK(analyzer.snapshot(2000).completed_operations == 1);

  tree.write("job/events.jsonl", start_line(2));  // truncated (log rotated)
  analyzer.update();
  Snapshot s = analyzer.snapshot(2000);
  CHECK(s.events_analyzed == 1);
  CHECK(s.completed_operations == 0);

  // Replaced by a longer file with different first bytes.
  tree.write("job/events.jsonl", R"({"event_type":"job_start","timestamp":1000,"job_id":"other","metadata":{"num_partitions":5}})"
                                 "\n" + op_line(3, 0, "op_complete", 1010));
  analyzer.update();
  s = analyzer.snapshot(2000);
  CHECK(s.job_id == "other");
  CHECK(s.total_partitions == 5);
  CHECK(s.events_analyzed == 2);
  CHECK(s.completed_operations == 1);
}

TEST_CASE("Snapshot: a new events file (a resume) is picked up by update()", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events_20250917_100000.jsonl", start_line(1) + op_line(0, 0, "op_start", 1001) +
                                                     R"({"event_type":"job_failed","timestamp":1002,"error_message":"x"})" "\n");
  SnapshotAnalyzer analyzer(tree.path("job"));
  analyzer.update();
  CHECK(analyzer.snapshot(2000).overall_status == RunStatus::failed);
  tree.write("job/events_20250917_110000.jsonl", start_line(1) + op_line(0, 0, "op_start", 1101) +
                                                     op_line(0, 0, "op_complete", 1102));
  analyzer.update();
  const Snapshot s = analyzer.snapshot(2000);
  CHECK(s.overall_status == RunStatus::in_progress);
  CHECK(s.events_files.size() == 2);
  CHECK(s.runs == 2);
  CHECK(s.completed_operations == 1);
  CHECK(s.failed_operations == 0);
  CHECK(s.error_message.empty());
}

TEST_CASE("Snapshot: results do not depend on chunk boundaries, long lines included", "[datajuicer]") {
  TempTree tree;
  std::string content = R"({"event_type":"job_start","timestamp":1000,"config":{"blob":")" + std::string(1500000, 'c') +
                        R"("},"metadata":{"num_partitions":30}})" "\n";
  for (int p = 0; p < 30; ++p)
    for (int i = 0; i < 5; ++i)
      content += op_line(p, i, "op_start", 1000 + p * 10 + i) + op_line(p, i, "op_complete", 1000.5 + p * 10 + i);
  content += "garbage\n";
  tree.write("job/events.jsonl", content);
  auto json_of = [&](std::size_t chunk) {
    SnapshotAnalyzer analyzer(tree.path("job"), nullptr, SnapshotOptions{chunk});
    analyzer.finish();
    return to_json(analyzer.snapshot(5000));
  };
  const auto small = json_of(4096), big = json_of(8u << 20);
  CHECK(small == big);
  const Snapshot s = analyze_work_dir(tree.path("job"), 5000);
  CHECK(s.total_partitions == 30);
  CHECK(s.completed_operations == 150);
  CHECK(s.skipped.corrupt == 1);
  CHECK(s.events_analyzed == 301);
}

TEST_CASE("Snapshot: missing, empty and unreadable work dirs", "[datajuicer]") {
  TempTree tree;
  CHECK_THROWS_AS(analyze_work_dir(tree.path("nope"), 0), StorageError);
  tree.write("file", "x");
  CHECK_THROWS_AS(analyze_work_dir(tree.path("file"), 0), StorageError);
  tree.mkdir("empty");
  const Snapshot s = analyze_work_dir(tree.path("empty"), 0);
  CHECK(s.overall_status == RunStatus::not_started);
  CHECK(s.events_files.empty());
  CHECK(s.total_partitions == 0);
  CHECK(s.job_id == "empty");
  tree.write("blank/events.jsonl", "");
  CHECK(analyze_work_dir(tree.path("blank"), 0).events_files.size() == 1);
  // A malformed plan or summary is reported, not fatal.
  tree.write("bad/events.jsonl", start_line(1));
  tree.write("bad/dag_execution_plan.json", "{\"nodes\": [");
  tree.write("bad/job_summary.json", "not json");
  const Snapshot bad = analyze_work_dir(tree.path("bad"), 0);
  CHECK_FALSE(bad.dag.loaded);
  CHECK_FALSE(bad.dag.error.empty());
  CHECK_FALSE(bad.job_summary.loaded);
  CHECK(bad.total_partitions == 1);
}

TEST_CASE("Snapshot: list_jobs finds every job under a root with its status", "[datajuicer]") {
  const auto jobs = list_jobs(std::string(JOBMON_TEST_DATA) + "/dj", 0);
  REQUIRE(jobs.size() == 15);
  auto find = [&](const std::string& id) {
    for (const auto& j : jobs)
      if (j.job_id == id) return j;
    FAIL("no job " << id);
    return JobListing{};
  };
  CHECK(find("failed_job").status == RunStatus::failed);
  CHECK(find("running_job").status == RunStatus::in_progress);
  CHECK(find("running_job").total_partitions == 4);
  CHECK(find("resumed_job").status == RunStatus::completed);
  CHECK(find("dag_job").total_partitions == 3);
  const auto doc = to_json(jobs);
  CHECK(doc.at("jobs").as_array().size() == 15);
  CHECK_THROWS_AS(list_jobs("/nonexistent/jobmon/root", 0), StorageError);
}

TEST_CASE("Snapshot: load_events returns parsed events in order, without config", "[datajuicer]") {
  const auto events = load_events(std::string(JOBMON_TEST_DATA) + "/dj/resumed");
  REQUIRE(events.size() == 26);
  CHECK(events.front().at("event_type") == "job_start");
  CHECK(events.back().at("event_type") == "job_complete");
  CHECK_FALSE(events.front().contains("config"));
  CHECK(load_events(std::string(JOBMON_TEST_DATA) + "/dj/resumed", 5).size() == 5);
}

TEST_CASE("Snapshot: a resume appended to the same events.jsonl after a crash is a new run", "[datajuicer]") {
  TempTree tree;
  const std::string resume_start =
      R"({"event_type":"job_start","timestamp":2000,"metadata":{"num_partitions":1,"is_resuming":true}})" "\n";
  const std::string second_start = R"({"event_type":"job_start","timestamp":2000,"metadata":{"is_resuming":true}})" "\n";
  tree.write("job/events.jsonl", start_line(1) + op_line(0, 0, "op_start", 1001) +  // crash: no terminal event
                                     resume_start + second_start + op_line(0, 0, "op_start", 2001) +
                                     op_line(0, 0, "op_complete", 2002));
  const Snapshot s = analyze_work_dir(tree.path("job"), 3000);
  CHECK(s.runs == 2);  // the pair of job_starts of one run counts once
  CHECK(s.completed_operations == 1);
  CHECK(s.start_time == 1000);
}

TEST_CASE("Snapshot: partition_complete without a success flag after a failed op is a failure", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events.jsonl",
             start_line(2) + op_line(0, 0, "op_start", 1001) +
                 R"({"event_type":"op_failed","timestamp":1002,"partition_id":0,"operation_idx":0,"error_message":"KeyError: text"})" "\n"
                 R"({"event_type":"partition_complete","timestamp":1003,"partition_id":0})" "\n" +
                 op_line(1, 0, "op_start", 1004) + op_line(1, 0, "op_complete", 1005) +
                 R"({"event_type":"partition_complete","timestamp":1006,"partition_id":1})" "\n");
  const Snapshot s = analyze_work_dir(tree.path("job"), 3000);
  CHECK(s.failed_partitions == 1);
  CHECK(s.completed_partitions == 1);
  CHECK(s.partitions.at(0).error_message == "KeyError: text");
}

// A file that vanishes between the listing and the read (log rotation), or
// cannot be opened: LocalStorage with that one read failing as it would.
class FailingStorage : public RecordingStorage {
 public:
  std::string fail_path;
  std::string read_range(const std::string& p, std::uint64_t offset, std::uint64_t length) const override {
    if (p == fail_path) throw StorageError(p, "cannot open: Permission denied");
    return RecordingStorage::read_range(p, offset, length);
  }
};

TEST_CASE("Snapshot: an unreadable events file is reported, not fatal, and retried", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events_20250917_100000.jsonl", start_line(1));
  tree.write("job/events_20250917_110000.jsonl", op_line(0, 0, "op_start", 1001));
  auto storage = std::make_shared<FailingStorage>();
  storage->fail_path = tree.path("job/events_20250917_110000.jsonl");
  SnapshotAnalyzer analyzer(tree.path("job"), storage);
  analyzer.update();
  Snapshot s = analyzer.snapshot(3000);
  REQUIRE(s.events_files.size() == 2);
  CHECK(s.events_files[0].error.empty());
  CHECK(s.events_files[1].error.find("Permission denied") != std::string::npos);
  CHECK(s.events_analyzed == 1);
  storage->fail_path.clear();  // readable again
  analyzer.update();
  s = analyzer.snapshot(3000);
  CHECK(s.events_files[1].error.empty());
  CHECK(s.events_analyzed == 2);
}
