// render_snapshot / render_job_list / resume_command: the --human-readable
// layout, field by field on hand-built snapshots, and on corpus jobs.
#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "jobmon/cli/snapshot_view.hpp"
#include "jobmon/datajuicer/snapshot.hpp"

using namespace jobmon;

namespace {
constexpr double base = 1758104100.0;
std::string dir(const std::string& name) { return std::string(JOBMON_TEST_DATA) + "/dj/" + name; }
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The lines of `text`, for checks that a line starts or ends a certain way.
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// The lines from the one starting with `first` up to (not including) the next blank line.
std::vector<std::string> section(const std::string& text, const std::string& first) {
  std::vector<std::string> out;
  bool in = false;
  for (const std::string& l : lines_of(text)) {
    if (!in && l.rfind(first, 0) == 0) in = true;
    else if (in && l.empty()) break;
    if (in) out.push_back(l);
  }
  return out;
}

SnapshotViewOptions plain() {
  SnapshotViewOptions o;
  o.utc = true;
  return o;
}

OpAggregate op(std::int64_t idx, std::string name, std::int64_t completed, std::int64_t in, std::int64_t out) {
  OpAggregate a;
  a.operation_idx = idx;
  a.operation_name = std::move(name);
  a.completed = completed;
  a.input_rows = in;
  a.output_rows = out;
  a.total_duration = 90;
  a.mean_duration = 45;
  a.reduction_ratio = in > 0 ? 1.0 - static_cast<double>(out) / static_cast<double>(in) : 0.0;
  a.rows_per_second = static_cast<double>(in) / 90.0;
  return a;
}
}  // namespace

TEST_CASE("Snapshot view: the reference's status icon and greppable lines", "[cli]") {
  Snapshot s;
  s.job_id = "j1";
  s.overall_status = RunStatus::completed;
  s.state = JobStatus::complete;
  s.overall_percentage = 100;
  s.start_time = base;
  s.end_time = base + 89.44;
  s.duration_seconds = 89.44;
  s.total_partitions = s.completed_partitions = 4;
  s.total_operations = s.completed_operations = 12;
  s.checkpointed_operations = 3;
  const std::string text = render_snapshot(s, plain());
  CHECK(has(text, "\n📊 Overall Status: ✅ COMPLETED (100.0%)\n"));
  CHECK(has(text, "\n   State: complete\n"));
  CHECK(has(text, "\n⏱️  Duration: 1m 29s (89.44 seconds)\n"));
  CHECK(has(text, "\n📈 Progress Summary:\n   Partitions: 4/4 completed  "));
  CHECK(has(text, "\n   Operations: 12/12 completed  "));
  CHECK(has(text, "\n   💾 Checkpointed operations: 3\n"));
  CHECK_FALSE(has(text, "Failed partitions"));
  CHECK_FALSE(has(text, "ETA"));

  s.overall_status = RunStatus::failed;
  s.state = JobStatus::failed;
  s.completed_partitions = 3;
  s.failed_partitions = 1;
  s.failed_operations = 2;
  const std::string failed = render_snapshot(s, plain());
  CHECK(has(failed, "📊 Overall Status: ❌ FAILED"));
  CHECK(has(failed, "\n   Partitions: 3/4 completed  "));
  CHECK(has(failed, "\n   ❌ Failed partitions: 1\n"));
  CHECK(has(failed, "\n   ❌ Failed operations: 2\n"));
  s.overall_status = RunStatus::not_started;
  CHECK(has(render_snapshot(s, plain()), "📊 Overall Status: ⏳ NOT_STARTED"));
  s.overall_status = RunStatus::in_progress;
  CHECK(has(render_snapshot(s, plain()), "📊 Overall Status: 🔄 IN_PROGRESS"));

  SnapshotViewOptions ascii = plain();
  ascii.style.unicode = false;
  const std::string a = render_snapshot(s, ascii);
  CHECK(has(a, "\nOverall Status: IN_PROGRESS"));
  CHECK(has(a, "\n   Failed partitions: 1\n"));
  CHECK(has(a, "\nProgress Summary:\n"));
  CHECK(has(a, "\nDuration: 1m 29s (89.44 seconds)\n"));
}

TEST_CASE("Snapshot view: thousands separators in counts, rows and bytes", "[cli]") {
  Snapshot s;
  s.total_partitions = 2000;
  s.completed_partitions = 1234;
  s.in_progress_partitions = 12;
  s.total_operations = 1234567;
  s.completed_operations = 1000000;
  s.failed_partitions = 4321;
  s.checkpointed_operations = 55555;
  s.planned_partitions = 2000;
  s.operations_per_partition = 1000;
  s.planned_partitions_source = "dag_plan";
  s.operations.push_back(op(0, "clean_email_mapper", 1234, 1234567, 1200000));
  s.events_analyzed = 2345678;
  EventsFileInfo f;
  f.path = "/w/events.jsonl";
  f.bytes = 987654321;
  s.events_files.push_back(f);
  const std::string text = render_snapshot(s, plain());
  CHECK(has(text, "   Partitions: 1,234/2,000 completed  "));
  CHECK(has(text, ", 12 in progress\n"));
  CHECK(has(text, "   Operations: 1,000,000/1,234,567 completed  "));
  CHECK(has(text, "Failed partitions: 4,321\n"));
  CHECK(has(text, "Checkpointed operations: 55,555\n"));
  CHECK(has(text, "   Planned: 2,000 partitions x 1,000 operations (from dag_plan)\n"));
  CHECK(has(text, "  1,234/2,000  "));
  CHECK(has(text, "1,234,567 -> 1,200,000"));
  CHECK(has(text, "13,717 rows/s"));
  CHECK(has(text, "Events: 2,345,678 events from 1 file(s), 987,654,321 bytes\n"));
}

TEST_CASE("Snapshot view: operation names use a wide terminal and fit a narrow one", "[cli]") {
  Snapshot s;
  s.total_partitions = 2;
  const std::string long_name = "a_very_long_operation_name_that_goes_past_28_columns_mapper";
  s.operations.push_back(op(0, long_name, 2, 100, 90));
  s.operations.push_back(op(1, "short", 2, 90, 80));

  SnapshotViewOptions pipe = plain();  // width 0: never cut
  const std::string piped = render_snapshot(s, pipe);
  CHECK(has(piped, "  " + long_name + "  "));

  SnapshotViewOptions wide = plain();
  wide.width = 200;
  const auto rows = section(render_snapshot(s, wide), "🔧 Operations:");
  REQUIRE(rows.size() == 4);
  CHECK(has(rows[1], "throughput"));
  CHECK(has(rows[2], long_name));
  for (const auto& r : rows) CHECK(display_width(r) <= 200);
  // The columns line up: "done" ends where each row's done cell ends.
  CHECK(rows[1].find("done") + 4 == rows[2].find("2/2") + 3);
  CHECK(rows[1].find("done") + 4 == rows[3].find("2/2") + 3);

  SnapshotViewOptions narrow = plain();
  narrow.width = 80;
  const auto cut = section(render_snapshot(s, narrow), "🔧 Operations:");
  REQUIRE(cut.size() == 4);
  for (const auto& r : cut) CHECK(display_width(r) <= 80);
  CHECK_FALSE(has(cut[2], long_name));
  CHECK(has(cut[2], "a_very_long_operation"));
  CHECK(has(cut[2], "…"));
  CHECK_FALSE(has(cut[1], "throughput"));  // dropped to make room
  CHECK(has(cut[1], "rows in -> out"));
}

TEST_CASE("Snapshot view: a running job shows elapsed time and its ETA with the unit", "[cli]") {
  Snapshot s;
  s.overall_status = RunStatus::in_progress;
  s.state = JobStatus::running;
  s.last_event_age = 12;
  s.start_time = base;
  s.duration_seconds = 3725.5;
  s.duration_until_now = true;
  EtaEstimate eta;
  eta.remaining_seconds = 600;
  eta.finish_time = base + 3725.5 + 600;
  s.eta = eta;
  s.eta_unit = "partitions";
  s.state_reason = "last event 12s ago";  // says nothing the line does not: not repeated
  const std::string text = render_snapshot(s, plain());
  CHECK(has(text, "\n   State: running - last event 12s ago\n"));
  CHECK(has(text, "\n⏱️  Duration: running for 1h 02m (3725.50 seconds)\n"));
  CHECK(has(text, "\n⏳ ETA: 10m 00s (finish ~ 2025-09-17 11:27:05 UTC), from partitions done\n"));
  s.eta_unit = "partition_operations";
  CHECK(has(render_snapshot(s, plain()), ", from partition-operations done\n"));
  s.duration_until_now = false;
  CHECK(has(render_snapshot(s, plain()), "\n⏱️  Duration: 1h 02m (3725.50 seconds)\n"));
  Snapshot pending_clock = s;  // started, then nothing yet of the job's own
  pending_clock.state = JobStatus::pending;
  pending_clock.duration_until_now = true;
  CHECK(has(render_snapshot(pending_clock, plain()), "\n⏱️  Duration: running for 1h 02m (3725.50 seconds)\n"));
  Snapshot pending;
  pending.state_reason = "no job event yet";
  CHECK(has(render_snapshot(pending, plain()), "\n   State: pending (no job event yet)\n"));
}

TEST_CASE("Snapshot view: a stalled job says stalled with the last event's age", "[cli]") {
  Snapshot s;
  s.overall_status = RunStatus::in_progress;
  s.state = JobStatus::stalled;
  s.state_reason = "no event for 100x the usual gap";
  s.last_event_age = 431 * 86400.0 + 2 * 3600;
  EtaEstimate eta;
  eta.remaining_seconds = 60;  // a projection that must not be shown
  s.eta = eta;
  const std::string text = render_snapshot(s, plain());
  CHECK(has(text, "\n   State: stalled - last event 431d 02h ago (no event for 100x the usual gap)\n"));
  CHECK(has(text, "⏳ ETA: unknown - stalled, no progress for 431d 02h\n"));
  CHECK_FALSE(has(text, "ETA: 1m"));
  // On the corpus: a job silent for 400 days.
  const std::string corpus = render_snapshot(analyze_work_dir(dir("running"), base + 400 * 86400.0), SnapshotViewOptions{});
  CHECK(has(corpus, "stalled, no progress for"));
  const std::string live = render_snapshot(analyze_work_dir(dir("running"), base + 311), SnapshotViewOptions{});
  CHECK(has(live, "⏳ ETA: "));
  CHECK_FALSE(has(live, "stalled, no progress"));
}

TEST_CASE("Snapshot view: running for only while running; a stalled job's clock stops at its last event", "[cli]") {
  Snapshot s;
  s.overall_status = RunStatus::in_progress;
  s.state = JobStatus::stalled;
  s.start_time = base;
  s.last_event_time = base + 89.44;
  s.last_event_age = 445 * 86400.0;
  s.duration_seconds = 89.44;  // the model's: start -> last event
  s.duration_until_now = false;
  const std::string text = render_snapshot(s, plain());
  CHECK(has(text, "\n⏱️  Duration: ran for 1m 29s (89.44 seconds) until its last event\n"));
  CHECK_FALSE(has(text, "running for"));
  // A model that still counted a stalled job until now: the view stops the clock itself.
  Snapshot counted = s;
  counted.duration_seconds = 445 * 86400.0 + 89.44;
  counted.duration_until_now = true;
  const std::string stopped = render_snapshot(counted, plain());
  CHECK(has(stopped, "\n⏱️  Duration: ran for 1m 29s (89.44 seconds) until its last event\n"));
  CHECK_FALSE(has(section(stopped, "⏱️  Duration:").front(), "445d"));
  // Failed and complete jobs: their duration, no label.
  for (const JobStatus finished : {JobStatus::failed, JobStatus::complete}) {
    Snapshot f = counted;
    f.state = finished;
    f.duration_seconds = 120;
    f.duration_until_now = false;
    CHECK(has(render_snapshot(f, plain()), "\n⏱️  Duration: 2m 00s (120.00 seconds)\n"));
  }
  // Unknown duration: a dash, whatever the state.
  Snapshot unknown = s;
  unknown.duration_seconds.reset();
  CHECK(has(render_snapshot(unknown, plain()), "\n⏱️  Duration: -\n"));
}

TEST_CASE("Snapshot view: the state word decides stalled, not the ETA's own flag", "[cli]") {
  Snapshot s;
  s.overall_status = RunStatus::in_progress;
  s.state = JobStatus::running;
  s.last_event_age = 30;
  EtaEstimate eta;
  eta.remaining_seconds = 600;
  eta.stalled = true;  // an estimator that disagrees with the model's state
  eta.seconds_since_progress = 900;
  s.eta = eta;
  const std::string running = render_snapshot(s, plain());
  CHECK(has(running, "\n⏳ ETA: 10m 00s\n"));
  CHECK_FALSE(has(running, "stalled"));
  // Stalled: no projection, and "no progress" for at least the silence.
  s.state = JobStatus::stalled;
  s.eta->stalled = false;
  s.eta->seconds_since_progress = 900;
  s.last_event_age = 600;
  CHECK(has(render_snapshot(s, plain()), "\n⏳ ETA: unknown - stalled, no progress for 15m 00s\n"));
  s.eta->seconds_since_progress = 0;  // no completion measured: the silence
  CHECK(has(render_snapshot(s, plain()), "\n⏳ ETA: unknown - stalled, no progress for 10m 00s\n"));
}

TEST_CASE("Snapshot view: failures grouped once, tracebacks indented, history apart", "[cli]") {
  Snapshot s;
  s.overall_status = RunStatus::failed;
  FailureGroup g;
  g.message = "Traceback (most recent call last):\n  File \"x.py\", line 3\r\n\n    boom()\nRuntimeError: \x1b[2Jboom";
  g.partition_ids = {0, 3, 7};
  g.operation_names = {"clean_html_mapper", "words_num_filter"};
  g.job_level = true;
  g.occurrences = 7;
  s.failure_groups.push_back(g);
  FailureGroup one;
  one.message = "worker lost";
  one.partition_ids = {2};
  one.occurrences = 1;
  s.failure_groups.push_back(one);
  FailureGroup old;
  old.message = "OOM in run 1";
  old.partition_ids = {1};
  old.operation_names = {"x"};
  old.occurrences = 2;
  old.run = 1;
  s.earlier_failure_groups.push_back(old);
  s.failures_total = 10;
  const std::string text = render_snapshot(s, plain());
  const auto failures = section(text, "❌ Failures (4 partitions, 1 job-level; 8 reports in 2 groups):");
  REQUIRE(failures.size() == 6);
  CHECK(failures[1] == "   job; partitions 0, 3, 7; ops clean_html_mapper, words_num_filter (7 times): Traceback (most recent call last):");
  CHECK(failures[2] == "        File \"x.py\", line 3");
  CHECK(failures[3] == "          boom()");
  CHECK(failures[4] == "      RuntimeError: \\x1b[2Jboom");
  CHECK(failures[5] == "   partition 2: worker lost");
  const auto history = section(text, "📜 Failures of earlier runs (history; 1 partition; 2 reports in 1 group):");
  REQUIRE(history.size() == 2);
  CHECK(history[1] == "   run 1: partition 1; op x (2 times): OOM in run 1");
  // The message is told once: not per partition, not per op.
  CHECK(text.find("RuntimeError") == text.rfind("RuntimeError"));
  CHECK_FALSE(has(text, "\x1b"));

  SnapshotViewOptions few = plain();
  few.max_message_lines = 3;
  FailureGroup longer;
  longer.message = "first\n2\n3\n4\n5\n6\nlast-but-one\nlast";
  longer.occurrences = 1;
  Snapshot t;
  t.failure_groups.push_back(longer);
  const auto cut = section(render_snapshot(t, few), "❌ Failures (1 report in 1 group):");
  REQUIRE(cut.size() == 5);
  CHECK(cut[1] == "   job: first");
  CHECK(cut[2] == "      ... 5 more lines");
  CHECK(cut[3] == "      last-but-one");
  CHECK(cut[4] == "      last");
}

TEST_CASE("Snapshot view: the Failures heading counts failures, not reports", "[cli]") {
  // One traceback reported by the op, its partition and the job: one failed
  // partition and the job, three reports.
  Snapshot s;
  s.overall_status = RunStatus::failed;
  FailureGroup tb;
  tb.message = "ValueError: bad";
  tb.job_level = true;
  tb.partition_ids = {5};
  tb.operation_names = {"x"};
  tb.occurrences = 3;
  s.failure_groups.push_back(tb);
  CHECK(has(render_snapshot(s, plain()), "\n❌ Failures (1 partition, 1 job-level; 3 reports in 1 group):\n"));
  // The same partition in two groups is one failed partition.
  FailureGroup again;
  again.message = "worker lost";
  again.partition_ids = {5, 6};
  again.occurrences = 2;
  s.failure_groups.push_back(again);
  CHECK(has(render_snapshot(s, plain()), "\n❌ Failures (2 partitions, 1 job-level; 5 reports in 2 groups):\n"));
  // A group lists at most max_listed_ids partitions: the count is then a lower bound.
  FailureGroup many;
  many.message = "OOM";
  for (std::int64_t id = 100; id < 100 + static_cast<std::int64_t>(FailureGroup::max_listed_ids); ++id)
    many.partition_ids.push_back(id);
  many.occurrences = 400;
  Snapshot big;
  big.failure_groups.push_back(many);
  CHECK(has(render_snapshot(big, plain()), "\n❌ Failures (at least 50 partitions; 400 reports in 1 group):\n"));

  // The corpus job with 2 failed partitions: said as such, not "Failures (4)".
  const Snapshot failed = analyze_work_dir(dir("failed"), base + 3000);
  REQUIRE(failed.failed_partitions == 2);
  CHECK(has(render_snapshot(failed, plain()), "\n❌ Failures (2 partitions, 1 job-level; 4 reports in 3 groups):\n"));
}

TEST_CASE("Snapshot view: every recorded failure is in a group, one-shot and follow mode alike", "[cli]") {
  // The view shows groups only: each failure the analyzer records must be in one.
  for (const char* name : {"failed", "old_writer"}) {
    INFO(name);
    SnapshotAnalyzer follow(dir(name));
    follow.update();  // as --follow reads it
    for (const Snapshot& s : {analyze_work_dir(dir(name), base + 3000), follow.snapshot(base + 3000)}) {
      REQUIRE(s.failures_total > 0);
      std::size_t reports = 0;
      for (const FailureGroup& g : s.failure_groups) reports += g.occurrences;
      CHECK(reports == s.failures_total);
      for (const Failure& f : s.failures) {
        const bool grouped = std::any_of(s.failure_groups.begin(), s.failure_groups.end(), [&](const FailureGroup& g) {
          return g.message == f.message && (!f.partition_id || std::count(g.partition_ids.begin(), g.partition_ids.end(), *f.partition_id) == 1);
        });
        CHECK(grouped);
      }
    }
  }
  // Earlier runs' failures: the same history either way.
  SnapshotAnalyzer follow(dir("resumed_failure"));
  follow.update();
  const Snapshot one_shot = analyze_work_dir(dir("resumed_failure"), base + 3000);
  const Snapshot followed = follow.snapshot(base + 3000);
  REQUIRE(one_shot.earlier_failure_groups.size() == 1);
  REQUIRE(followed.earlier_failure_groups.size() == 1);
  CHECK(followed.earlier_failure_groups[0].message == one_shot.earlier_failure_groups[0].message);
  CHECK(followed.earlier_failure_groups[0].occurrences == one_shot.earlier_failure_groups[0].occurrences);
}

TEST_CASE("Snapshot view: Resume with is shell-quoted, only for a resumable failed or stalled job", "[cli]") {
  Snapshot s;
  s.job_id = "job 1";
  s.config_files = {"/outputs/my job/it's $HOME/config.yaml", "/plain/extra.yaml"};
  s.resumable = true;
  s.overall_status = RunStatus::failed;
  s.state = JobStatus::failed;
  const std::string expected =
      "dj-process --config '/outputs/my job/it'\\''s $HOME/config.yaml' --config /plain/extra.yaml --job_id 'job 1'";
  CHECK(resume_command(s) == expected);
  CHECK(has(render_snapshot(s, plain()), "\n   Resume with: " + expected + "\n"));
  CHECK(has(render_snapshot(s, plain()), "\n   Resumable: Yes\n"));

  s.config_files.clear();
  s.config_file = "/o/c.yaml";
  s.job_id = "j2";
  CHECK(resume_command(s) == "dj-process --config /o/c.yaml --job_id j2");

  Snapshot done = s;
  done.overall_status = RunStatus::completed;
  done.state = JobStatus::complete;
  CHECK(resume_command(done).empty());
  CHECK_FALSE(has(render_snapshot(done, plain()), "Resume with"));
  Snapshot not_resumable = s;
  not_resumable.resumable = false;
  CHECK(resume_command(not_resumable).empty());
  CHECK(has(render_snapshot(not_resumable, plain()), "\n   Resumable: No\n"));
  // Running (or not started yet): pasting it would start a second run on the same job.
  for (const JobStatus live : {JobStatus::running, JobStatus::pending}) {
    Snapshot r = s;
    r.overall_status = live == JobStatus::running ? RunStatus::in_progress : RunStatus::not_started;
    r.state = live;
    CHECK(resume_command(r).empty());
    const std::string text = render_snapshot(r, plain());
    CHECK_FALSE(has(text, "Resume with"));
    CHECK(has(text, "\n   Resumable: Yes\n"));
  }
  // Stalled: offered, with the warning that it may only be slow; a failed job has no such line.
  Snapshot stalled = s;
  stalled.overall_status = RunStatus::in_progress;
  stalled.state = JobStatus::stalled;
  CHECK(resume_command(stalled) == "dj-process --config /o/c.yaml --job_id j2");
  const auto checkpointing = section(render_snapshot(stalled, plain()), "💾 Checkpointing:");
  REQUIRE(checkpointing.size() == 7);
  CHECK(checkpointing[5] == "   Resume with: dj-process --config /o/c.yaml --job_id j2");
  CHECK(checkpointing[6] == "   (stalled, but it may still be running: check that its process is gone before resuming)");
  CHECK_FALSE(has(render_snapshot(s, plain()), "may still be running"));

  // No config known: the writer's command as written (escaped for the terminal).
  Snapshot written;
  written.resumable = true;
  written.overall_status = RunStatus::failed;
  written.state = JobStatus::failed;
  written.resumption_command = "dj-process --config [Path_fr(...)]\x1b";
  CHECK(resume_command(written) == "dj-process --config [Path_fr(...)]\\x1b");
}

TEST_CASE("Snapshot view: warnings and the skipped-lines breakdown", "[cli]") {
  Snapshot s;
  s.warnings = {"dag_execution_plan.json: malformed JSON", "events.jsonl is a FIFO\x1b]0;x"};
  s.skipped.blank = 2;
  s.skipped.corrupt = 5;
  s.skipped.no_event_type = 1;
  s.skipped.too_long = 3;
  s.skipped.out_of_range = 1;
  s.skipped.torn = 1;
  s.skipped.first.push_back(SkippedLine{"/w/events.jsonl", 3, LineIssue::corrupt});
  EventsFileInfo bad;
  bad.path = "/w/events_2.jsonl";
  bad.error = "Permission denied";
  s.events_files.push_back(bad);
  const std::string text = render_snapshot(s, plain());
  CHECK(has(text, "   Skipped lines: " + std::to_string(s.skipped.total()) +
                      " - 2 blank, 5 corrupt, 1 without event_type, 3 too long, 1 out of range, "
                      "1 torn (unterminated last line); first: events.jsonl:3 (corrupt)\n"));
  // The kinds add up to the total (blank lines and a torn tail are not events either).
  CHECK(skipped_lines_breakdown(s.skipped) ==
        "2 blank, 5 corrupt, 1 without event_type, 3 too long, 1 out of range, 1 torn (unterminated last line)");
  CHECK(s.skipped.total() == 13);
  SkippedLines blank_only;
  blank_only.blank = 1234;
  CHECK(skipped_lines_breakdown(blank_only) == "1,234 blank");
  CHECK(skipped_lines_breakdown(SkippedLines{}).empty());
  CHECK(has(text, "   Unreadable: /w/events_2.jsonl: Permission denied\n"));
  const auto warnings = section(text, "⚠️  Warnings:");
  REQUIRE(warnings.size() == 3);
  CHECK(warnings[1] == "   dag_execution_plan.json: malformed JSON");
  CHECK(warnings[2] == "   events.jsonl is a FIFO\\x1b]0;x");
  // Nothing skipped, no warning: neither line.
  const std::string clean = render_snapshot(Snapshot{}, plain());
  CHECK_FALSE(has(clean, "Skipped lines"));
  CHECK_FALSE(has(clean, "Warnings"));
}

TEST_CASE("Snapshot view: corpus report of a failed, resumable job", "[cli]") {
  const std::string text = render_snapshot(analyze_work_dir(dir("old_writer"), base + 3000), plain());
  CHECK(text.rfind(std::string(80, '=') + "\nDataJuicer Processing Snapshot - Job: old1\n", 0) == 0);
  CHECK(has(text, "📊 Overall Status: ❌ FAILED (50.0%)"));
  CHECK(has(text, "🕐 Started: 2025-09-17 10:48:19 UTC"));
  CHECK(has(text, "⏱️  Duration: 11s (11.00 seconds)"));
  CHECK(has(text, "   Partitions: 1/2 completed  "));
  CHECK(has(text, "   Operations: 1/2 completed  "));
  CHECK(has(text, "clean_html_mapper"));
  CHECK(has(text, "500 -> 490"));
  CHECK(has(text, "Strategy: every_op"));
  CHECK(has(text, "Resumable: Yes"));
  CHECK(has(text, "Resume with: dj-process --config /outputs/old1/config.yaml --job_id old1"));
  CHECK_FALSE(has(text, "\x1b["));  // no colour unless asked
}

TEST_CASE("Snapshot view: ASCII fallback and colour on the corpus", "[cli]") {
  SnapshotViewOptions o;
  o.style.unicode = false;
  o.style.color = true;
  const std::string text = render_snapshot(analyze_work_dir(dir("corrupt"), base + 5000), o);
  CHECK(has(text, "Overall Status: "));
  CHECK_FALSE(has(text, "📊"));
  CHECK_FALSE(has(text, "✅"));
  CHECK(has(text, "\x1b["));
  CHECK(has(text, "Skipped lines: "));
  CHECK(has(text, "events.jsonl:3 (corrupt)"));
  CHECK(has(text, "events.jsonl:12 (out_of_range)"));
}

TEST_CASE("Snapshot view: job list with state words, ages and errors", "[cli]") {
  SnapshotViewOptions o = plain();
  JobListing stalled{"stalled_job", "/o/a", RunStatus::in_progress, base, base + 60, 1234, 4000, 30.9, "",
                     JobStatus::stalled, 431 * 86400.0 + 3600};
  JobListing done{"done_job", "/o/b", RunStatus::completed, base, base + 100, 4, 4, 100, "", JobStatus::complete, 5.0};
  JobListing broken{"broken_job", "/o/c", RunStatus::not_started, {}, {}, 0, 0, 0,
                    "/o/c/events.jsonl: is a directory", JobStatus::pending, {}};
  const auto rows = lines_of(render_job_list({stalled, done, broken}, o));
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].rfind("JOB ", 0) == 0);
  CHECK(has(rows[0], "STATE"));
  CHECK(rows[1].rfind("stalled_job  stalled ", 0) == 0);
  CHECK(has(rows[1], "1,234/4,000"));
  CHECK(rows[1].find("1,234/4,000") + 11 == rows[0].find("PARTITIONS") + 10);  // right-aligned under its header
  CHECK(rows[2].find("4/4") + 3 == rows[0].find("PARTITIONS") + 10);
  CHECK(has(rows[1], "30.9%"));
  CHECK(has(rows[1], "2025-09-17 10:16:00 UTC (431d 01h ago)"));
  CHECK(rows[2].rfind("done_job     complete", 0) == 0);
  CHECK(has(rows[2], "(5s ago)"));
  CHECK(rows[3].rfind("broken_job   error ", 0) == 0);
  CHECK(has(rows[3], "/o/c/events.jsonl: is a directory"));
  CHECK(render_job_list({}, o).find("no Data-Juicer jobs found") != std::string::npos);
  // The corpus: every job listed.
  const std::string corpus = render_job_list(list_jobs(std::string(JOBMON_TEST_DATA) + "/dj", 0), o);
  CHECK(has(corpus, "failed_job"));
  CHECK(has(corpus, "1/3"));
}

TEST_CASE("Snapshot view: texts from the events files reach the terminal escaped", "[cli]") {
  const std::string evil = "x\x1b]0;pwned\x07\x1b[2J\r\xff";
  const std::string shown = "x\\x1b]0;pwned\\x07\\x1b[2J\\r\\xff";
  Snapshot s;
  s.job_id = s.executor_type = s.checkpoint_strategy = s.resumption_command = s.state_reason = evil;
  s.resumable = true;
  s.state = JobStatus::failed;
  OpAggregate a;
  a.operation_name = evil;
  s.operations.push_back(a);
  FailureGroup g;
  g.message = evil;
  g.partition_ids = {1};
  g.operation_names = {evil};
  g.occurrences = 1;
  s.failure_groups.push_back(g);
  SnapshotViewOptions o;
  const std::string text = render_snapshot(s, o);
  CHECK_FALSE(has(text, "\x1b"));
  CHECK_FALSE(has(text, "\x07"));
  CHECK_FALSE(has(text, "\r"));
  CHECK_FALSE(has(text, "\xff"));
  CHECK(has(text, "Job: " + shown + "\n"));
  CHECK(has(text, "Executor: " + shown + "\n"));
  CHECK(has(text, "partition 1; op " + shown + ": " + shown + "\n"));
  CHECK(has(text, "Resume with: " + shown + "\n"));
  // A config path with controls is quoted as $'...': safe to print, pastes back exactly.
  s.config_file = evil;
  s.job_id = "j";
  CHECK(resume_command(s) == "dj-process --config $'x\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\xff' --job_id j");
  const std::string listing = render_job_list({JobListing{evil, "/w", RunStatus::failed, {}, {}, 0, 1, 0, evil, JobStatus::failed, {}}}, o);
  CHECK_FALSE(has(listing, "\x1b"));
  CHECK(has(listing, shown.substr(0, 10)));
}
