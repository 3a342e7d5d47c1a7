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
