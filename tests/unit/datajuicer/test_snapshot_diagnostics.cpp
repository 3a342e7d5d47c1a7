// The issue-14 cases of the corpus (tests/data/dj), field by field: real
// durations from a writer that puts duration 0.0, failures grouped and kept
// as history across a resume, a job silent for 431 days, an ETA from
// partition events only, corrupt and empty side files, special files named
// like events files; and the document walked against the reference's shape.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/storage.hpp"
#include "temp_tree.hpp"

namespace json = boost::json;
using namespace jobmon;
using jobmon::test::TempTree;

namespace {

constexpr double base = 1758104100.0;  // 2025-09-17T10:15:00Z, the corpus's epoch
constexpr double day = 86400;

std::string dir(const std::string& name) { return std::string(JOBMON_TEST_DATA) + "/dj/" + name; }

json::object document_of(const Snapshot& s) {
  std::ostringstream out;
  write_snapshot_json(s, out);
  return json::parse(out.str()).as_object();
}

const OpState& op_of(const Snapshot& s, std::int64_t pid, std::int64_t idx) { return s.partitions.at(pid).ops.at(idx); }

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("Snapshot: a writer that puts duration 0.0 gets its durations from the timestamps", "[datajuicer]") {
  const Snapshot s = analyze_work_dir(dir("newer_writer"), base + day);
  // partition 0, op 0: op_start 1758114001.0, op_complete 1758114015.47, duration 0.0 written
  const OpState& p0op0 = op_of(s, 0, 0);
  CHECK(p0op0.duration == Approx(14.47).margin(1e-6));
  CHECK(p0op0.duration_source == DurationSource::timestamps);
  CHECK(p0op0.input_rows == -1);  // 0 rows beside duration 0.0: placeholders, not counts
  CHECK(p0op0.output_rows == -1);
  CHECK(op_of(s, 0, 1).duration == Approx(4.5));
  CHECK(op_of(s, 0, 1).duration_source == DurationSource::timestamps);
  // no duration written, rows written: timestamps for the time, the rows kept
  CHECK(op_of(s, 1, 0).duration == Approx(2.0));
  CHECK(op_of(s, 1, 0).duration_source == DurationSource::timestamps);
  CHECK(op_of(s, 1, 0).input_rows == 100);
  CHECK(op_of(s, 1, 0).output_rows == 90);
  // a real written duration wins
  CHECK(op_of(s, 1, 1).duration == 3.25);
  CHECK(op_of(s, 1, 1).duration_source == DurationSource::written);
  // aggregates: only reported rows count; durations from both sources
  REQUIRE(s.operations.size() == 2);
  CHECK(s.operations[0].input_rows == 100);
  CHECK(s.operations[0].total_duration == Approx(16.47).margin(1e-6));
  CHECK(s.operations[1].total_duration == Approx(7.75));
  CHECK(op_of(s, 0, 1).checkpoint_time == base + 9920.25);
  CHECK(s.state == JobStatus::complete);
  CHECK_FALSE(s.resumable);  // checkpointed, but completed: nothing to resume
  const auto doc = document_of(s);
  const auto& entry = doc.at("operation_progress").at("p0_op0_clean_links_mapper").as_object();
  CHECK(entry.at("duration_source") == "timestamps");
  CHECK(entry.at("input_rows").is_null());
  CHECK(entry.at("duration").as_double() == Approx(14.47).margin(1e-6));
  CHECK(doc.at("operation_progress").at("p1_op1_language_id_score_filter").at("duration_source") == "written");
}

TEST_CASE("Snapshot: failures are grouped by message, and a resumed job keeps earlier runs' as history", "[datajuicer]") {
  SECTION("one run: the same traceback from op, partition and job is one group") {
    const Snapshot s = analyze_work_dir(dir("resumed_failure/../failed"), base + day);
    REQUIRE(s.failure_groups.size() == 3);
    CHECK(s.failure_groups[0].message == "2 partitions failed");
    CHECK(s.failure_groups[0].job_level);
    CHECK(s.failure_groups[0].partition_ids.empty());
    CHECK(s.failure_groups[1].message == "ValueError: bad sample");
    CHECK(s.failure_groups[1].partition_ids == std::vector<std::int64_t>{1});
    CHECK(s.failure_groups[1].operation_names == std::vector<std::string>{"clean_email_mapper"});
    CHECK(s.failure_groups[1].occurrences == 2);  // the partition and its op
    CHECK_FALSE(s.failure_groups[1].job_level);
    CHECK(s.failure_groups[2].message == "Ray worker died");
    CHECK(s.failure_groups[2].partition_ids == std::vector<std::int64_t>{2});
    CHECK(s.earlier_failure_groups.empty());
    CHECK(s.state == JobStatus::failed);
    CHECK(s.state_reason == "the job failed: 2 partitions failed");
  }
  SECTION("resumed: the first run's failure is history; the job is complete") {
    const Snapshot s = analyze_work_dir(dir("resumed_failure"), base + day);
    CHECK(s.overall_status == RunStatus::completed);
    CHECK(s.state == JobStatus::complete);
    CHECK(s.runs == 2);
    CHECK(s.failure_groups.empty());
    REQUIRE(s.earlier_failure_groups.size() == 1);
    const FailureGroup& g = s.earlier_failure_groups[0];
    CHECK(g.message == "Traceback (most recent call last):\n  File \"mapper.py\", line 12, in process\nKeyError: 'text'");
    CHECK(g.run == 1);
    CHECK(g.job_level);
    CHECK(g.occurrences == 3);  // op_failed, partition_failed, job_failed
    CHECK(g.partition_ids == std::vector<std::int64_t>{1});
    CHECK(g.operation_names == std::vector<std::string>{"clean_email_mapper"});
    CHECK_FALSE(s.resumable);
    const auto doc = document_of(s);
    const auto& earlier = doc.at("failures").at("earlier_runs").as_array();
    REQUIRE(earlier.size() == 1);
    CHECK(earlier[0].at("run") == 1);
    CHECK(earlier[0].at("occurrences") == 3);
    CHECK(earlier[0].at("partition_ids") == json::array{1});
    CHECK(doc.at("failures").at("groups").as_array().empty());
  }
  SECTION("the older resumed case: run 1's OOM is history too") {
    const Snapshot s = analyze_work_dir(dir("resumed"), base + day);
    REQUIRE(s.earlier_failure_groups.size() == 2);
    CHECK(s.earlier_failure_groups[0].message == "OutOfMemoryError");
    CHECK(s.earlier_failure_groups[1].message == "worker OOM");
  }
}

TEST_CASE("Snapshot: a running job silent for 431 days is stalled; a recent one is running", "[datajuicer]") {
  const double last_event = base + 3;
  const Snapshot old = analyze_work_dir(dir("silent_running"), last_event + 431 * day);
  CHECK(old.overall_status == RunStatus::in_progress);  // the reference's word stays
  CHECK(old.state == JobStatus::stalled);
  REQUIRE(old.last_event_age);
  CHECK(*old.last_event_age == 431 * day);
  CHECK(old.state_reason.find("no event for") == 0);
  // A stalled job is not running: its duration ends at its last event
  CHECK_FALSE(old.duration_until_now);
  CHECK(*old.duration_seconds == 3);
  CHECK(document_of(old).at("state") == "stalled");
  CHECK(document_of(old).at("timing").at("elapsed_seconds") == json::value(3.0));
  CHECK(document_of(old).at("total_duration").is_null());
  REQUIRE(old.eta);
  CHECK(old.eta->stalled);

  const Snapshot fresh = analyze_work_dir(dir("silent_running"), last_event + 60);
  CHECK(fresh.state == JobStatus::running);
  CHECK(*fresh.last_event_age == 60);
  CHECK(*fresh.duration_seconds == 63);  // running: elapsed until the snapshot, and it says so
  CHECK(fresh.duration_until_now);
  // the floor: 9 minutes of silence is not a stall even for a fast job
  CHECK(analyze_work_dir(dir("silent_running"), last_event + 540).state == JobStatus::running);
  // 24 hours of silence is, whatever the pace
  CHECK(analyze_work_dir(dir("silent_running"), last_event + day).state == JobStatus::stalled);

  // list_jobs says the same
  TempTree tree;
  tree.mkdir("root");
  std::filesystem::copy(dir("silent_running"), tree.path("root/silent"), std::filesystem::copy_options::recursive);
  const auto jobs = list_jobs(tree.path("root"), last_event + 431 * day);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].state == JobStatus::stalled);
  CHECK(*jobs[0].last_event_age == 431 * day);
  const auto listed = to_json(jobs).at("jobs").at(0);
  CHECK(listed.at("state") == "stalled");
  CHECK(listed.at("last_event_age").as_double() == 431 * day);
}

TEST_CASE("Snapshot: only partition events: the ETA counts partitions", "[datajuicer]") {
  const Snapshot s = analyze_work_dir(dir("partitions_only"), base + 130);
  CHECK(s.total_partitions == 4);
  CHECK(s.completed_partitions == 2);
  CHECK(s.total_operations == 0);
  REQUIRE(s.eta);
  CHECK(s.eta_unit == "partitions");
  REQUIRE(s.eta_linear);
  CHECK(*s.eta_linear->rate == Approx(2.0 / 130));  // 2 partitions in 130 s
  REQUIRE(s.eta->remaining_seconds);
  CHECK(*s.eta->remaining_seconds > 0);
  const auto doc = document_of(s);
  CHECK(doc.at("eta").at("unit") == "partitions");
  CHECK(doc.at("eta").at("total") == 4);
  CHECK(doc.at("eta").at("done") == 2);
  // with op events the unit stays partition-operations
  CHECK(analyze_work_dir(dir("running"), base + 310).eta_unit == "partition_operations");
}

TEST_CASE("Snapshot: a corrupt plan and an empty summary are warned about, naming the file", "[datajuicer]") {
  const Snapshot plan = analyze_work_dir(dir("corrupt_plan"), base + 10);
  CHECK_FALSE(plan.dag.loaded);
  REQUIRE(plan.warnings.size() == 1);
  CHECK(plan.warnings[0].find(dir("corrupt_plan") + "/dag_execution_plan.json: ") == 0);
  CHECK(plan.total_partitions == 1);  // from job_start
  CHECK(document_of(plan).at("warnings").as_array().size() == 1);

  const Snapshot summary = analyze_work_dir(dir("empty_summary"), base + 10);
  CHECK_FALSE(summary.job_summary.loaded);
  REQUIRE(summary.warnings.size() == 1);
  CHECK(summary.warnings[0] == dir("empty_summary") + "/job_summary.json: empty file; not used");
  CHECK(summary.overall_status == RunStatus::completed);

  TempTree tree;
  tree.write("job/events.jsonl", read_text(dir("empty_summary") + "/events.jsonl"));
  tree.write("job/job_summary.json", "{}");
  tree.write("job/dag_execution_plan.json", "  \n");
  const Snapshot s = analyze_work_dir(tree.path("job"), base + 10);
  REQUIRE(s.warnings.size() == 2);
  CHECK(s.warnings[0] == tree.path("job") + "/dag_execution_plan.json: empty file; planned totals come from the events");
  CHECK(s.warnings[1] == tree.path("job") + "/job_summary.json: an empty summary ({}); nothing taken from it");
  // no warning on a clean job
  CHECK(analyze_work_dir(dir("completed"), base).warnings.empty());
}

TEST_CASE("Snapshot: special files named like events files are named, never read, never 'no events'", "[datajuicer]") {
  TempTree tree;
  SECTION("a FIFO alone: an error naming it (reading would block)") {
    tree.mkdir("job");
    REQUIRE(::mkfifo(tree.path("job/events.jsonl").c_str(), 0600) == 0);
    try {
      analyze_work_dir(tree.path("job"), 0);
      FAIL("no error");
    } catch (const StorageError& e) {
      CHECK(std::string(e.what()) == tree.path("job/events.jsonl") + ": not a regular file (a FIFO, device or socket); not read");
    }
  }
  SECTION("a link to /dev/zero alone: an error naming it (reading would never end)") {
    tree.mkdir("job");
    tree.symlink("/dev/zero", "job/events_20250917_100000.jsonl");
    CHECK_THROWS_WITH(analyze_work_dir(tree.path("job"), 0),
                      Catch::Contains(tree.path("job/events_20250917_100000.jsonl") + ": not a regular file"));
  }
  SECTION("a directory named events.jsonl beside a real events file: a warning, the real one is read") {
    tree.mkdir("job/events.jsonl");
    tree.write("job/events_20250917_100000.jsonl", read_text(dir("empty_summary") + "/events.jsonl"));
    const Snapshot s = analyze_work_dir(tree.path("job"), base + 10);
    CHECK(s.overall_status == RunStatus::completed);
    REQUIRE(s.warnings.size() == 1);
    CHECK(s.warnings[0] == tree.path("job/events.jsonl") + ": a directory, not an events file; not read");
    // list_jobs lists it; a dir with only a FIFO is listed with its error, not dropped
    tree.mkdir("job2");
    REQUIRE(::mkfifo(tree.path("job2/events.jsonl").c_str(), 0600) == 0);
    const auto jobs = list_jobs(tree.root(), base + 10);
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].error.empty());
    CHECK(jobs[0].state == JobStatus::complete);
    CHECK(jobs[1].error.find("not a regular file") != std::string::npos);
  }
}

// An events file whose read fails: the one-shot snapshot fails naming it;
// a follower (update()) reports it and retries (test_snapshot_incremental).
class RefusingReads final : public Storage {
 public:
  std::string refused;
  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& d, const ListOptions& o) const override { return local_.list(d, o); }
  FileStat stat(const std::string& p) const override { return local_.stat(p); }
  std::string read(const std::string& p, std::uint64_t m) const override { return local_.read(p, m); }
  std::string read_range(const std::string& p, std::uint64_t offset, std::uint64_t length) const override {
    if (p == refused) throw StorageError(p, "cannot open: Permission denied");
    return local_.read_range(p, offset, length);
  }
  Counters counters() const override { return local_.counters(); }

 private:
  LocalStorage local_;
};

// A job dir that cannot be listed, as a permission problem would (tests run
// as root, where chmod cannot make anything unreadable).
class RefusingLists final : public Storage {
 public:
  std::string refused;
  using Storage::list;
  using Storage::read;
  std::vector<DirEntry> list(const std::string& d, const ListOptions& o) const override {
    if (d == refused) throw StorageError(d, "cannot list directory: permission denied");
    return local_.list(d, o);
  }
  FileStat stat(const std::string& p) const override { return local_.stat(p); }
  std::string read(const std::string& p, std::uint64_t m) const override { return local_.read(p, m); }
  std::string read_range(const std::string& p, std::uint64_t offset, std::uint64_t length) const override {
    return local_.read_range(p, offset, length);
  }
  Counters counters() const override { return local_.counters(); }

 private:
  LocalStorage local_;
};

TEST_CASE("Snapshot: list_jobs lists a job dir it cannot read, with why, never drops it", "[datajuicer]") {
  TempTree tree;
  tree.write("root/a/events.jsonl", read_text(dir("empty_summary") + "/events.jsonl"));
  tree.write("root/b/events.jsonl", read_text(dir("empty_summary") + "/events.jsonl"));
  auto storage = std::make_shared<RefusingLists>();
  storage->refused = tree.path("root/b");
  const auto jobs = list_jobs(tree.path("root"), base + 10, storage);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].job_id == "empty_summary_job");
  CHECK(jobs[0].error.empty());
  CHECK(jobs[1].work_dir == tree.path("root/b"));
  CHECK(jobs[1].error == tree.path("root/b") + ": cannot list directory: permission denied");
  CHECK(to_json(jobs).at("jobs").at(1).at("error") == json::value(jobs[1].error));
}

TEST_CASE("Snapshot: an unreadable events file fails a one-shot snapshot, naming the file", "[datajuicer]") {
  TempTree tree;
  tree.write("job/events.jsonl", read_text(dir("empty_summary") + "/events.jsonl"));
  auto storage = std::make_shared<RefusingReads>();
  storage->refused = tree.path("job/events.jsonl");
  try {
    analyze_work_dir(tree.path("job"), 0, storage);
    FAIL("no error");
  } catch (const StorageError& e) {
    CHECK(e.path() == tree.path("job/events.jsonl"));
    CHECK(std::string(e.what()).find("Permission denied") != std::string::npos);
  }
  SnapshotAnalyzer follower(tree.path("job"), storage);
  follower.update();
  const Snapshot s = follower.snapshot(0);
  REQUIRE(s.warnings.size() == 1);
  CHECK(s.warnings[0].find(tree.path("job/events.jsonl") + ": ") == 0);
}

TEST_CASE("Snapshot: skipped_lines.total counts every line that did not become an event", "[datajuicer]") {
  const Snapshot s = analyze_work_dir(dir("corrupt"), base);
  const SkippedLines& k = s.skipped;
  CHECK(k.blank == 2);
  CHECK(k.corrupt == 5);
  CHECK(k.no_event_type == 1);
  CHECK(k.out_of_range == 1);
  CHECK(k.torn == 0);
  CHECK(k.total() == 9);
  std::uint64_t lines = 0;
  for (const auto& f : s.events_files) lines += f.lines;
  CHECK(lines == s.events_analyzed + k.total() - k.torn);  // every complete line: an event or skipped
  const Snapshot running = analyze_work_dir(dir("running"), base + 310);
  CHECK(running.skipped.torn == 1);
  CHECK(running.skipped.total() == 1);
}

TEST_CASE("Snapshot: file paths and the plan's own fields, as the reference prints them", "[datajuicer]") {
  const auto doc = document_of(analyze_work_dir(dir("dag_plan"), base + 10000));
  const auto& dag = doc.at("dag_structure").as_object();
  CHECK(dag.at("execution_plan") == json::array{});
  CHECK(dag.at("metadata").at("total_nodes") == 7);
  CHECK(dag.at("metadata").at("created_at").as_double() == 1758110100.0);
  // no plan: none of the plan's fields
  const auto plain = document_of(analyze_work_dir(dir("completed"), base));
  CHECK_FALSE(plain.at("dag_structure").as_object().contains("execution_plan"));
}

namespace {

// Walks `shape` (the reference's document) and checks `doc` has every key
// path with the same JSON type (null allowed where the reference's field is
// Optional). Maps keyed by id are checked entry by entry against the one
// entry the shape holds; lists element by element against the first.
void check_shape(const json::value& shape, const json::value& doc, const std::string& path,
                 const std::set<std::string>& nullable, const std::string& key) {
  INFO("at " << path);
  if (doc.is_null() && nullable.count(key) != 0) return;
  if (shape.is_double()) {
    CHECK(doc.is_double());
  } else if (shape.is_int64() || shape.is_uint64()) {
    CHECK((doc.is_int64() || doc.is_uint64()));
  } else if (shape.is_string()) {
    CHECK(doc.is_string());
  } else if (shape.is_bool()) {
    CHECK(doc.is_bool());
  } else if (shape.is_array()) {
    REQUIRE(doc.is_array());
    if (!shape.get_array().empty())
      for (const auto& element : doc.get_array()) check_shape(shape.get_array()[0], element, path + "[]", nullable, key);
  } else if (shape.is_object()) {
    REQUIRE(doc.is_object());
    const auto& want = shape.get_object();
    const auto& have = doc.get_object();
    if (key == "partition_progress" || key == "operation_progress") {
      for (const auto& entry : have)
        check_shape(want.begin()->value(), entry.value(), path + "." + std::string(entry.key()), nullable, "");
      return;
    }
    // The reference prints the plan's own fields only when there is a plan.
    const bool plan_fields_optional = key == "dag_structure" && !have.at("loaded").as_bool();
    for (const auto& field : want) {
      const std::string name(field.key());
      if (plan_fields_optional && (name == "execution_plan" || name == "metadata")) continue;
      INFO("key " << path << "." << name);
      REQUIRE(have.contains(name));
      check_shape(field.value(), have.at(name), path + "." + name, nullable, name);
    }
  }
}

}  // namespace

TEST_CASE("Snapshot: every key path of the reference's document, with its JSON type, on every corpus job", "[datajuicer]") {
  const auto fixture = json::parse(read_text(dir("reference_snapshot_shape.json"))).as_object();
  std::set<std::string> nullable;
  for (const auto& k : fixture.at("nullable").as_array()) nullable.emplace(k.as_string());
  std::size_t jobs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir(""))) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (name == "corrupt_plan" || name == "empty_summary" || name == "dag_plan" || name == "old_writer" ||
        name == "completed" || name == "running" || name == "resumed" || name == "failed" || name == "newer_writer" ||
        name == "resumed_failure" || name == "silent_running" || name == "partitions_only" || name == "iso_timestamps" ||
        name == "corrupt" || name == "job_summary") {
      INFO("job " << name);
      const Snapshot s = analyze_work_dir(entry.path().string(), base + day);
      const auto doc = document_of(s);
      check_shape(fixture.at("document"), doc, "", nullable, "");
      // the streamed document and the in-memory one print the same
      std::ostringstream streamed;
      write_snapshot_json(s, streamed);
      CHECK(streamed.str() == to_pretty_json(to_json(s)));
      ++jobs;
    }
  }
  CHECK(jobs == 15);
}
