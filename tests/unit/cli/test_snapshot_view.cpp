// render_snapshot / render_job_list: the --human-readable layout on corpus jobs.
#include <catch2/catch.hpp>
#include <string>

#include "jobmon/cli/snapshot_view.hpp"
#include "jobmon/datajuicer/snapshot.hpp"

using namespace jobmon;

namespace {
constexpr double base = 1758104100.0;
std::string dir(const std::string& name) { return std::string(JOBMON_TEST_DATA) + "/dj/" + name; }
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("Snapshot: human-readable report of a failed, resumable job", "[cli]") {
  SnapshotViewOptions o;
  o.utc = true;
  const std::string text = render_snapshot(analyze_work_dir(dir("old_writer"), base + 3000), o);
  CHECK(text.rfind(std::string(80, '=') + "\nDataJuicer Processing Snapshot - Job: old1\n", 0) == 0);
  CHECK(has(text, "📊 Overall Status: FAILED (50.0%)"));
  CHECK(has(text, "🕐 Started: 2025-09-17 10:48:19 UTC"));
  CHECK(has(text, "⏱️  Duration: 11s"));
  CHECK(has(text, "1/2 completed, 1 failed, 1 checkpointed"));
  CHECK(has(text, "clean_html_mapper"));
  CHECK(has(text, "500 -> 490"));
  CHECK(has(text, "❌ Failures (3)"));
  CHECK(has(text, "partition 1: RuntimeError: boom"));
  CHECK(has(text, "Strategy: every_op"));
  CHECK(has(text, "Resumable: yes"));
  CHECK(has(text, "Resume with: dj-process --config /outputs/old1/config.yaml --job_id old1"));
  CHECK_FALSE(has(text, "\x1b["));  // no colour unless asked
}

TEST_CASE("Snapshot: human-readable report degrades to ASCII and shows skipped lines", "[cli]") {
  SnapshotViewOptions o;
  o.style.unicode = false;
  o.style.color = true;
  const std::string text = render_snapshot(analyze_work_dir(dir("corrupt"), base + 5000), o);
  CHECK(has(text, "Overall Status: "));
  CHECK_FALSE(has(text, "📊"));
  CHECK(has(text, "\x1b["));
  CHECK(has(text, "Skipped lines: 7"));
  CHECK(has(text, "events.jsonl:3 (corrupt)"));
  CHECK(has(text, "events.jsonl:12 (out_of_range)"));
}

TEST_CASE("Snapshot: a stalled running job shows no absurd ETA, a live one does", "[cli]") {
  SnapshotViewOptions o;
  const std::string stalled = render_snapshot(analyze_work_dir(dir("running"), base + 400 * 86400.0), o);
  CHECK(has(stalled, "stalled, no progress for"));
  const std::string live = render_snapshot(analyze_work_dir(dir("running"), base + 311), o);
  CHECK(has(live, "⏳ ETA: "));
  CHECK_FALSE(has(live, "stalled"));
}

TEST_CASE("Snapshot: job list table", "[cli]") {
  SnapshotViewOptions o;
  o.utc = true;
  const std::string text = render_job_list(list_jobs(std::string(JOBMON_TEST_DATA) + "/dj", 0), o);
  CHECK(has(text, "JOB"));
  CHECK(has(text, "failed_job"));
  CHECK(has(text, "1/3"));
  CHECK(render_job_list({}, o).find("no Data-Juicer jobs found") != std::string::npos);
}

TEST_CASE("Snapshot: texts from the events files reach the terminal escaped", "[cli]") {
  const std::string evil = "x\x1b]0;pwned\x07\x1b[2J\r\xff";
  const std::string shown = "x\\x1b]0;pwned\\x07\\x1b[2J\\r\\xff";
  Snapshot s;
  s.job_id = s.executor_type = s.checkpoint_strategy = s.resumption_command = evil;
  OpAggregate op;
  op.operation_name = evil;
  s.operations.push_back(op);
  s.failures.push_back(Failure{1, 0, evil, evil});
  s.failures_total = 1;
  SnapshotViewOptions o;
  const std::string text = render_snapshot(s, o);
  CHECK_FALSE(has(text, "\x1b"));
  CHECK_FALSE(has(text, "\x07"));
  CHECK_FALSE(has(text, "\r"));
  CHECK_FALSE(has(text, "\xff"));
  CHECK(has(text, "Job: " + shown + "\n"));
  CHECK(has(text, "Executor: " + shown + "\n"));
  CHECK(has(text, "partition 1, op 0 " + shown + ": " + shown + "\n"));
  CHECK(has(text, "Resume with: " + shown + "\n"));
  const std::string listing = render_job_list({JobListing{evil, "/w", RunStatus::failed, {}, {}, 0, 1, 0, evil, JobStatus::failed, {}}}, o);
  CHECK_FALSE(has(listing, "\x1b"));
  CHECK(has(listing, shown.substr(0, 10)));
}
