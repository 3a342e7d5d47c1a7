// render_snapshot / render_job_list / resume_command: the --human-readable
// layout, field by field on hand-built snapshots, and on corpus jobs.
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
  const auto failures = section(text, "❌ Failures (8):");
  REQUIRE(failures.size() == 6);
  CHECK(failures[1] == "   job; partitions 0, 3, 7; ops clean_html_mapper, words_num_filter (7 times): Traceback (most recent call last):");
  CHECK(failures[2] == "        File \"x.py\", line 3");
  CHECK(failures[3] == "          boom()");
  CHECK(failures[4] == "      RuntimeError: \\x1b[2Jboom");
  CHECK(failures[5] == "   partition 2: worker lost");
  const auto history = section(text, "📜 Failures of earlier runs (history, 2):");
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
  const auto cut = section(render_snapshot(t, few), "❌ Failures (1):");
  REQUIRE(cut.size() == 5);
  CHECK(cut[1] == "   job: first");
  CHECK(cut[2] == "      ... 5 more lines");
  CHECK(cut[3] == "      last-but-one");
  CHECK(cut[4] == "      last");
}

TEST_CASE("Snapshot view: failures of a snapshot without groups are listed each", "[cli]") {
  Snapshot s;
  s.failures.push_back(Failure{std::nullopt, std::nullopt, "", "job died\n  at line 2"});
  s.failures.push_back(Failure{3, 1, "words_num_filter", "too short"});
  s.failures_total = 5;  // more than were kept
  const auto rows = section(render_snapshot(s, plain()), "❌ Failures (5):");
  REQUIRE(rows.size() == 5);
  CHECK(rows[1] == "   job: job died");
  CHECK(rows[2] == "        at line 2");
  CHECK(rows[3] == "   partition 3, op 1 words_num_filter: too short");
  CHECK(rows[4] == "   ... and 3 more");
}

TEST_CASE("Snapshot view: Resume with is shell-quoted and only for a resumable, unfinished job", "[cli]") {
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

  // No config known: the writer's command as written (escaped for the terminal).
  Snapshot written;
  written.resumable = true;
  written.overall_status = RunStatus::failed;
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
  OpAggregate a;
  a.operation_name = evil;
  s.operations.push_back(a);
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
  // A config path with controls is quoted as $'...': safe to print, pastes back exactly.
  s.config_file = evil;
  s.job_id = "j";
  CHECK(resume_command(s) == "dj-process --config $'x\\x1b]0;pwned\\x07\\x1b[2J\\x0d\\xff' --job_id j");
  const std::string listing = render_job_list({JobListing{evil, "/w", RunStatus::failed, {}, {}, 0, 1, 0, evil, JobStatus::failed, {}}}, o);
  CHECK_FALSE(has(listing, "\x1b"));
  CHECK(has(listing, shown.substr(0, 10)));
}
