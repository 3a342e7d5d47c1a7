// The one terminal sanitizer (terminal_safe, core/text append_terminal_safe)
// and every human renderer that writes outside text: whatever bytes a
// directory name, a task log or an events file holds, what reaches the
// terminal is well-formed UTF-8 without control characters (C0, DEL, C1),
// so it cannot set the window title (OSC 2), clear the screen (CSI 2J), ring
// the bell or start an 8-bit CSI.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <random>
#include <string>

#include "core/text/utf8.hpp"
#include "job_state_builder.hpp"
#include "jobmon/cli/render.hpp"
#include "jobmon/cli/snapshot_view.hpp"
#include "jobmon/cli/status_command.hpp"
#include "jobmon/cli/status_view.hpp"
#include "jobmon/cli/watch.hpp"
#include "jobmon/datajuicer/snapshot.hpp"

using namespace jobmon;

namespace {

// OSC 2 (window title), CSI 2J (clear screen), BEL, a raw 8-bit CSI byte
// (invalid UTF-8), an encoded C1 NEL, DEL, an overlong '/' and a lone
// continuation byte.
const std::string evil = "t\x1b]2;pwned\x07\x1b[2J\x9b\xC2\x85\x7f\xC0\xAF\x80z";

// The first thing in `text` a terminal would act on, or "" when there is
// none. `colours` allows the SGR sequences (ESC [ digits ; m) jobmon paints with.
std::string first_control(const std::string& text, bool colours = false) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\x1b' && colours) {
      std::size_t j = i + 1;
      if (j < text.size() && text[j] == '[') {
        ++j;
        while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == ';')) ++j;
        if (j < text.size() && text[j] == 'm') {
          i = j + 1;
          continue;
        }
      }
    }
    if (c == '\n') {
      ++i;
      continue;
    }
    if (c < 0x20 || c == 0x7f) return "control byte " + std::to_string(c) + " at " + std::to_string(i);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const detail::Utf8Char u = detail::decode_utf8(text, i);
    if (u.length == 0) return "invalid UTF-8 at " + std::to_string(i);
    if (u.code_point >= 0x80 && u.code_point <= 0x9f) return "C1 control at " + std::to_string(i);
    i += u.length;
  }
  return {};
}

}  // namespace

TEST_CASE("terminal_safe: OSC 2, CSI 2J, BEL, C1 and invalid UTF-8 come out as visible escapes", "[cli]") {
  CHECK(terminal_safe(evil) == "t\\x1b]2;pwned\\x07\\x1b[2J\\x9b\\u0085\\x7f\\xc0\\xaf\\x80z");
  CHECK(first_control(terminal_safe(evil)).empty());
  // A newline in a name would forge a line of output: escaped too.
  CHECK(terminal_safe("a\nb\tc") == "a\\nb\\tc");
}

TEST_CASE("terminal_safe: no byte string gets a control or invalid UTF-8 through", "[cli]") {
  // Every one- and two-byte string, then random strings biased to the bytes that matter.
  for (int a = 0; a < 256; ++a) {
    for (int b = -1; b < 256; ++b) {
      std::string s(1, static_cast<char>(a));
      if (b >= 0) s.push_back(static_cast<char>(b));
      const std::string safe = terminal_safe(s);
      if (!first_control(safe).empty()) FAIL("bytes " << a << "," << b << ": " << first_control(safe));
      if (safe.find('\n') != std::string::npos) FAIL("bytes " << a << "," << b << ": a raw newline");
    }
  }
  std::mt19937 rng(13);
  const std::string interesting = "\x1b\x07\x9b\x85\xC2\xE2\x80\x8b\xF0\x9F\xED\xA0\xC0\xFF\r\n[];2J";  // no NUL: a literal ends there
  for (int n = 0; n < 20000; ++n) {
    std::string s(rng() % 24, '\0');
    for (char& c : s) c = rng() % 2 ? interesting[rng() % interesting.size()] : static_cast<char>(rng() % 256);
    const std::string safe = terminal_safe(s);
    if (!first_control(safe).empty() || safe.find('\n') != std::string::npos) FAIL("input #" << n << ": " << first_control(safe));
  }
}

TEST_CASE("terminal_safe: every jobmon-status renderer shows names, log lines and warnings escaped", "[cli]") {
  auto job = test::job_state("job" + evil, 4, 1);
  job->path = "/runs/job" + evil;
  job->last_change_at = 1700000000;
  job->rank_issues = {RankIssue{1, RankState::failed, "boom " + evil, std::nullopt}};
  recount_ranks(*job);
  Aggregate agg = aggregate({job}, 1700000100);
  const Aggregate previous = agg;
  const AggregateDelta delta = apply_deltas(agg, previous);
  for (const bool colour : {false, true}) {
    INFO("colour " << colour);
    StatusViewOptions o;
    o.style = TermStyle{colour, true};
    o.show_failed = true;
    const std::string lines = render_job_lines(agg, o);
    CHECK(first_control(lines, colour).empty());
    CHECK(lines.find(": boom t\\x1b]2;pwned\\x07\\x1b[2J") != std::string::npos);
    const std::string warning = render_warning_line(o.style, Warning{"/runs/not" + evil, "not a job: " + evil});
    CHECK(first_control(warning, colour).empty());

    WatchFrameOptions w;
    w.style = o.style;
    w.columns = 200;
    w.targets_label = "/runs/" + evil;
    w.warnings = {Warning{"/runs/not" + evil, evil}};
    const std::string frame = render_watch_frame(agg, delta, w);
    CHECK(first_control(frame, colour).empty());
    CHECK(first_control(render_watch_log_line(agg, delta), colour).empty());
  }
}

TEST_CASE("terminal_safe: the Data-Juicer report and job list show event texts escaped", "[cli]") {
  Snapshot s;
  s.job_id = s.executor_type = s.checkpoint_strategy = s.resumption_command = s.work_dir = evil;
  OpAggregate op;
  op.operation_name = evil;
  s.operations.push_back(op);
  // Shown as groups (the view's only failure list), with the resume command of a failed job.
  FailureGroup op_failure;
  op_failure.message = evil;
  op_failure.partition_ids = {1};
  op_failure.operation_names = {evil};
  op_failure.occurrences = 1;
  FailureGroup job_failure;
  job_failure.message = evil;
  job_failure.job_level = true;
  job_failure.occurrences = 1;
  job_failure.run = 1;
  s.failure_groups = {op_failure};
  s.earlier_failure_groups = {job_failure};
  s.state = JobStatus::failed;
  s.resumable = true;
  for (const bool colour : {false, true}) {
    SnapshotViewOptions o;
    o.style = TermStyle{colour, true};
    CHECK(first_control(render_snapshot(s, o), colour).empty());
    const JobListing listing{evil, "/w/" + evil, RunStatus::failed, {}, {}, 0, 1, 0, evil, JobStatus::failed, {}};
    CHECK(first_control(render_job_list({listing}, o), colour).empty());
  }
}

TEST_CASE("terminal_safe_lines keeps a document's newlines and makes each line safe", "[cli]") {
  const std::string card = "# Title\x1b]2;pwned\x07\n\nrows: 12\x1b[2J\nlast line without newline\xff";
  const std::string shown = jobmon::terminal_safe_lines(card);
  CHECK(std::count(shown.begin(), shown.end(), '\n') == 3);
  CHECK(shown.find('\x1b') == std::string::npos);
  CHECK(shown.find('\x07') == std::string::npos);
  CHECK(shown.find("\n\nrows: 12") != std::string::npos);
  CHECK(jobmon::terminal_safe_lines("a\nb\n") == "a\nb\n");
  CHECK(jobmon::terminal_safe_lines("") == "");
}
