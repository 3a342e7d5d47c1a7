// The state word of an unfinished job (running or stalled) and what follows
// from it: the stall rule judged per partition-operation, a resumed run's
// silence and pace counted from its start, the ETA agreeing with the word,
// a stalled job's duration, and the reference's duration and coverage keys.
// Jobs are written at test time around a fixed clock (analyze_work_dir's
// `now`), so every case is exact.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sstream>
#include <string>

#include "jobmon/datajuicer/snapshot.hpp"
#include "temp_tree.hpp"

namespace json = boost::json;
using namespace jobmon;
using jobmon::test::TempTree;

namespace {

constexpr double t0 = 1758104100.0;  // the job's start
constexpr int partitions = 64;
constexpr double op_seconds = 1800;    // one op on one partition
constexpr double level1 = t0 + 100 + op_seconds + partitions;  // when op level 1 started

json::object document_of(const Snapshot& s) {
  std::ostringstream out;
  write_snapshot_json(s, out);
  return json::parse(out.str()).as_object();
}

std::string line(const std::string& body) { return "{" + body + "}\n"; }

std::string op(const char* type, double t, int pid, int idx, const std::string& extra = "") {
  return line(fmt::format(R"("event_type":"{}","timestamp":{:.3f},"partition_id":{},"operation_idx":{},"operation_name":"op{}"{})",
                          type, t, pid, idx, idx, extra));
}

// A partitioned job: every partition runs op 0 for 30 min (finishing a
// second apart), then all start op 1 at `level1`. `duration` is what the
// writer puts in op_complete ("" for none).
std::string burst_job(const std::string& duration) {
  std::string out = line(fmt::format(R"("event_type":"job_start","timestamp":{},"job_id":"burst","metadata":{{"num_partitions":{}}})",
                                     t0, partitions));
  for (int p = 0; p < partitions; ++p) out += line(fmt::format(R"("event_type":"partition_start","timestamp":{},"partition_id":{})", t0 + 100, p));
  for (int p = 0; p < partitions; ++p) out += op("op_start", t0 + 100 + p, p, 0);
  for (int p = 0; p < partitions; ++p) out += op("op_complete", t0 + 100 + p + op_seconds, p, 0, duration);
  for (int p = 0; p < partitions; ++p) out += op("op_start", level1, p, 1);
  return out;
}

Snapshot burst_at(const TempTree& tree, double now) { return analyze_work_dir(tree.path("burst"), now); }

void check_agrees(const Snapshot& s) {
  const bool stalled = s.state == JobStatus::stalled;
  REQUIRE(s.eta);
  REQUIRE(s.eta_linear);
  CHECK(s.eta->stalled == stalled);
  CHECK(s.eta_linear->stalled == stalled);
  const auto doc = document_of(s);
  CHECK(doc.at("eta").at("smoothed").at("stalled") == stalled);
  CHECK(doc.at("eta").at("linear").at("stalled") == stalled);
}

}  // namespace

TEST_CASE("Stall rule: a partitioned job silent within one op's length is running", "[datajuicer]") {
  TempTree tree;
  const auto duration = GENERATE(as<std::string>{}, R"(,"duration":1800.0)", "", R"(,"duration":0.0)");
  INFO("op_complete duration field: " << duration);
  tree.write("burst/events.jsonl", burst_job(duration));
  {
    const Snapshot s = burst_at(tree, level1 + 720);  // 12 min into a 30-min op level
    REQUIRE(s.completed_operations == partitions);
    CHECK(s.partitions.at(0).ops.at(0).duration == Approx(op_seconds));
    CHECK(s.state == JobStatus::running);
    CHECK(s.state_reason == "last event 12m 00s ago");
    check_agrees(s);
    CHECK(document_of(s).at("state") == "running");
  }
  // Patience: 5 x the longest op (30 min) = 2.5 h of silence.
  CHECK(burst_at(tree, level1 + 5 * op_seconds - 1).state == JobStatus::running);
  const Snapshot late = burst_at(tree, level1 + 5 * op_seconds);
  CHECK(late.state == JobStatus::stalled);
  CHECK(late.state_reason == "no event for 2h 30m (stalled after 2h 30m of silence; the longest operation took 30m 00s)");
  check_agrees(late);
  // list_jobs says the same word.
  const auto jobs = list_jobs(tree.root(), level1 + 720);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].state == JobStatus::running);
}

TEST_CASE("Stall rule: floored at 10 minutes, 6 hours before any op completed, capped at a day", "[datajuicer]") {
  TempTree tree;
  // Fast ops (2 s): the floor decides.
  std::string fast = line(fmt::format(R"("event_type":"job_start","timestamp":{},"metadata":{{"num_partitions":2}})", t0));
  fast += op("op_start", t0, 0, 0) + op("op_complete", t0 + 2, 0, 0, R"(,"duration":2.0)") + op("op_start", t0 + 2, 0, 1);
  tree.write("fast/events.jsonl", fast);
  CHECK(analyze_work_dir(tree.path("fast"), t0 + 2 + 599).state == JobStatus::running);
  const Snapshot fast_stalled = analyze_work_dir(tree.path("fast"), t0 + 2 + 600);
  CHECK(fast_stalled.state == JobStatus::stalled);
  check_agrees(fast_stalled);

  // Nothing completed yet: 6 hours.
  tree.write("fresh/events.jsonl", line(fmt::format(R"("event_type":"job_start","timestamp":{})", t0)) + op("op_start", t0, 0, 0));
  CHECK(analyze_work_dir(tree.path("fresh"), t0 + 6 * 3600 - 1).state == JobStatus::running);
  const Snapshot fresh = analyze_work_dir(tree.path("fresh"), t0 + 6 * 3600);
  CHECK(fresh.state == JobStatus::stalled);
  CHECK(fresh.state_reason == "no event for 6h 00m (stalled after 6h 00m of silence; no operation has completed yet)");

  // A 10-hour op: the cap (24 h), not 50 h.
  std::string slow = line(fmt::format(R"("event_type":"job_start","timestamp":{})", t0));
  slow += op("op_start", t0, 0, 0) + op("op_complete", t0 + 36000, 0, 0) + op("op_start", t0 + 36000, 0, 1);
  tree.write("slow/events.jsonl", slow);
  CHECK(analyze_work_dir(tree.path("slow"), t0 + 36000 + 86399).state == JobStatus::running);
  CHECK(analyze_work_dir(tree.path("slow"), t0 + 36000 + 86400).state == JobStatus::stalled);
}

TEST_CASE("Stall rule: a just-resumed job counts silence and pace from its current run", "[datajuicer]") {
  TempTree tree;
  // Run 1: op 0 took 100 s, op 1 failed; the job failed an hour ago.
  std::string run1 = line(fmt::format(R"("event_type":"job_start","timestamp":{},"job_id":"res","metadata":{{"num_partitions":1}})", t0));
  run1 += op("op_start", t0, 0, 0) + op("op_complete", t0 + 100, 0, 0, R"(,"duration":100.0)");
  run1 += op("checkpoint_save", t0 + 101, 0, 0) + op("op_start", t0 + 101, 0, 1) + op("op_failed", t0 + 200, 0, 1);
  run1 += line(fmt::format(R"("event_type":"job_failed","timestamp":{},"error_message":"ValueError: bad")", t0 + 200));
  tree.write("res/events.jsonl", run1);
  // Run 2, an hour later: restart, resume, op 1 running again.
  const double r2 = t0 + 3800;
  std::string run2 = line(fmt::format(R"("event_type":"job_restart","timestamp":{},"job_id":"res")", r2));
  run2 += line(fmt::format(R"("event_type":"job_start","timestamp":{},"job_id":"res","is_resuming":true)", r2));
  run2 += line(fmt::format(R"("event_type":"partition_resume","timestamp":{},"partition_id":0)", r2 + 1));
  run2 += op("op_start", r2 + 1, 0, 1);
  tree.write("res/events_2.jsonl", run2);

  const Snapshot s = analyze_work_dir(tree.path("res"), r2 + 100);
  CHECK(s.runs == 2);
  CHECK(s.state == JobStatus::running);
  check_agrees(s);
  // The ETA's silence is the current run's: 100 s, not the 3700 s since run 1's op completed.
  CHECK(s.eta->seconds_since_progress == Approx(100));
  CHECK_FALSE(s.eta->rate);  // run 2 has completed nothing: no pace to project yet
  // 10 min of silence after the resume (5 x 100 s is under the floor) is a stall.
  CHECK(analyze_work_dir(tree.path("res"), r2 + 1 + 599).state == JobStatus::running);
  CHECK(analyze_work_dir(tree.path("res"), r2 + 1 + 600).state == JobStatus::stalled);

  // A crashed run (no terminal event) resumed by partition_resume only (no
  // job_start): the resume starts the run for the ETA as well.
  std::string crashed = run1.substr(0, run1.find(R"("event_type":"op_failed")") - 1);
  tree.write("res2/events.jsonl", crashed);
  tree.write("res2/events_2.jsonl", line(fmt::format(R"("event_type":"partition_resume","timestamp":{},"partition_id":0)", r2)) +
                                        op("op_start", r2, 0, 1));
  const Snapshot s2 = analyze_work_dir(tree.path("res2"), r2 + 50);
  CHECK(s2.state == JobStatus::running);
  REQUIRE(s2.eta);
  CHECK(s2.eta->seconds_since_progress == Approx(50));
}

TEST_CASE("Duration: a stalled job ends at its last event; reference keys are null until the end", "[datajuicer]") {
  TempTree tree;
  tree.write("burst/events.jsonl", burst_job(R"(,"duration":1800.0)"));
  const double last = level1;

  const Snapshot running = burst_at(tree, last + 60);
  CHECK(running.duration_until_now);
  CHECK(*running.duration_seconds == Approx(last + 60 - t0));
  auto doc = document_of(running);
  CHECK(doc.at("total_duration").is_null());  // snapshot.py: null without an end
  CHECK(doc.at("timing").at("duration_seconds").is_null());
  CHECK(doc.at("timing").at("duration_formatted").is_null());
  CHECK(doc.at("timing").at("elapsed_seconds").to_number<double>() == Approx(last + 60 - t0));
  CHECK(doc.at("timing").at("duration_until_now") == true);

  const Snapshot stalled = burst_at(tree, last + 400 * 86400.0);
  CHECK(stalled.state == JobStatus::stalled);
  CHECK_FALSE(stalled.duration_until_now);
  CHECK(*stalled.duration_seconds == Approx(last - t0));
  doc = document_of(stalled);
  CHECK(doc.at("total_duration").is_null());
  CHECK(doc.at("timing").at("elapsed_seconds").to_number<double>() == Approx(last - t0));
  CHECK(doc.at("timing").at("duration_until_now") == false);

  // Finished: the reference's keys carry end - start.
  tree.write("burst/events.jsonl", burst_job(R"(,"duration":1800.0)") +
                                       line(fmt::format(R"("event_type":"job_complete","timestamp":{})", last + 10)));
  doc = document_of(burst_at(tree, last + 400 * 86400.0));
  CHECK(doc.at("total_duration").to_number<double>() == Approx(last + 10 - t0));
  CHECK(doc.at("timing").at("duration_seconds").to_number<double>() == Approx(last + 10 - t0));
  CHECK(doc.at("timing").at("duration_formatted") == "32m 54s");
}

TEST_CASE("checkpoint_coverage is a float as the reference's: 0.0 with no operations, else checkpointed / total", "[datajuicer]") {
  TempTree tree;
  tree.write("none/events.jsonl", line(fmt::format(R"("event_type":"job_start","timestamp":{})", t0)));
  auto coverage = document_of(analyze_work_dir(tree.path("none"), t0 + 1)).at("checkpointing").at("checkpoint_progress").at("checkpoint_coverage");
  CHECK(coverage.is_double());
  CHECK(coverage.as_double() == 0.0);

  // 2 partitions x 2 planned ops = 4 operations; 1 checkpointed, none completed by op_complete.
  std::string events = line(fmt::format(R"("event_type":"job_start","timestamp":{},"metadata":{{"num_partitions":2}})", t0));
  events += op("op_start", t0, 0, 0) + op("op_start", t0, 0, 1) + op("checkpoint_save", t0 + 1, 1, 0);
  tree.write("some/events.jsonl", events);
  const Snapshot s = analyze_work_dir(tree.path("some"), t0 + 2);
  REQUIRE(s.total_operations == 4);
  REQUIRE(s.checkpointed_operations == 1);
  coverage = document_of(s).at("checkpointing").at("checkpoint_progress").at("checkpoint_coverage");
  CHECK(coverage.is_double());
  CHECK(coverage.as_double() == 0.25);
}

TEST_CASE("A DAG plan or job summary that is not a regular file is warned about, never read", "[datajuicer]") {
  TempTree tree;
  const std::string events = line(fmt::format(R"("event_type":"job_start","timestamp":{})", t0));
  const auto has_warning = [](const Snapshot& s, const std::string& text) {
    for (const auto& w : s.warnings)
      if (w == text) return true;
    return false;
  };
  SECTION("FIFOs") {
    tree.write("job/events.jsonl", events);
    REQUIRE(::mkfifo(tree.path("job/job_summary.json").c_str(), 0600) == 0);
    REQUIRE(::mkfifo(tree.path("job/dag_execution_plan.json").c_str(), 0600) == 0);
    const Snapshot s = analyze_work_dir(tree.path("job"), t0 + 1);
    CHECK(has_warning(s, tree.path("job/job_summary.json") + ": not a regular file (a FIFO, device or socket); not used"));
    CHECK(has_warning(s, tree.path("job/dag_execution_plan.json") +
                             ": not a regular file (a FIFO, device or socket); planned totals come from the events"));
    CHECK_FALSE(s.job_summary.loaded);
    CHECK_FALSE(s.dag.loaded);
  }
  SECTION("links to /dev/zero") {
    tree.write("job/events.jsonl", events);
    tree.symlink("/dev/zero", "job/job_summary.json");
    tree.symlink("/dev/zero", "job/dag_execution_plan.json");
    const Snapshot s = analyze_work_dir(tree.path("job"), t0 + 1);
    CHECK(has_warning(s, tree.path("job/job_summary.json") + ": not a regular file (a FIFO, device or socket); not used"));
    CHECK(has_warning(s, tree.path("job/dag_execution_plan.json") +
                             ": not a regular file (a FIFO, device or socket); planned totals come from the events"));
  }
  SECTION("directories") {
    tree.write("job/events.jsonl", events);
    tree.mkdir("job/job_summary.json");
    tree.mkdir("job/dag_execution_plan.json");
    const Snapshot s = analyze_work_dir(tree.path("job"), t0 + 1);
    CHECK(has_warning(s, tree.path("job/job_summary.json") + ": a directory, not a job summary; not used"));
    CHECK(has_warning(s, tree.path("job/dag_execution_plan.json") +
                             ": a directory, not a DAG plan; planned totals come from the events"));
  }
}

TEST_CASE("The generated resumption command is shell-quoted; the writer's is kept as written", "[datajuicer]") {
  TempTree tree;
  std::string events = line(fmt::format(R"("event_type":"job_start","timestamp":{},"job_id":"res")", t0));
  events += op("op_start", t0, 0, 0) + op("op_complete", t0 + 1, 0, 0) + op("checkpoint_save", t0 + 1, 0, 0);
  events += line(fmt::format(R"("event_type":"job_failed","timestamp":{},"error_message":"boom")", t0 + 2));
  tree.write("job/events.jsonl", events);
  tree.write("job/job_summary.json", R"({"job_id":"res","status":"failed","config_file":["/cfg/my conf's.yaml"]})");
  Snapshot s = analyze_work_dir(tree.path("job"), t0 + 3);
  CHECK(s.resumption_command == R"(dj-process --config '/cfg/my conf'\''s.yaml' --job_id res)");
  CHECK(document_of(s).at("job_info").at("resumption_command") == json::value(s.resumption_command));

  // Every config file, in order (a base config and its override), as the view prints it.
  tree.write("job/job_summary.json", R"({"job_id":"res","status":"failed","config_file":["/cfg/base.yaml","/cfg/over ride.yaml"]})");
  s = analyze_work_dir(tree.path("job"), t0 + 3);
  CHECK(s.resumption_command == "dj-process --config /cfg/base.yaml --config '/cfg/over ride.yaml' --job_id res");
  CHECK(dj_resume_command(s.config_files, s.job_id) == s.resumption_command);
  CHECK(dj_resume_command({}, "res").empty());

  const std::string written = "dj-process --config [Path_fr(/cfg/a.yaml)] --job_id res";
  tree.write("job/job_summary.json", R"({"job_id":"res","status":"failed","resumption_command":")" + written + R"("})");
  s = analyze_work_dir(tree.path("job"), t0 + 3);
  CHECK(s.resumption_command == written);
}
