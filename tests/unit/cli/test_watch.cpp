// The dashboard frame renderer (jobmon/watch.hpp), fed by the real
// Aggregator and apply_deltas on JobStates shaped like scanned jobs.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "jobmon/cli/render.hpp"
#include "jobmon/cli/watch.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/aggregator.hpp"

using namespace jobmon;

namespace {

constexpr double now = 1'800'000'000;  // a fixed "now": frames are deterministic

// A job whose `completed` markers arrived every `gap` seconds, the last one
// `last_ago` seconds before now.
std::shared_ptr<const JobState> job(const std::string& name, std::int64_t world, std::int64_t completed,
                                    double last_ago = 5, double gap = 10) {
  auto j = std::make_shared<JobState>();
  j->path = "/runs/" + name;
  j->name = name;
  j->world_size = world;
  j->completed = completed;
  for (std::int64_t r = 0; r < completed; ++r) {
    j->done_ranks.push_back(r);
    j->marker_mtimes.push_back(now - last_ago - gap * static_cast<double>(completed - 1 - r));
  }
  j->launched_at = now - last_ago - gap * static_cast<double>(completed + 1);
  if (completed > 0) j->last_change_at = j->marker_mtimes.back();
  return j;
}

std::shared_ptr<const JobState> failed_job(const std::string& name, std::int64_t world, std::int64_t completed) {
  auto j = std::const_pointer_cast<JobState>(job(name, world, completed));
  j->rank_issues.push_back(RankIssue{completed, RankState::failed, "ValueError: bad shard", now - 30});
  recount_ranks(*j);
  return j;
}

std::vector<std::string> lines_of(const std::string& frame) {
  std::vector<std::string> lines;
  std::istringstream in(frame);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first frame line that contains `needle`, or "".
std::string line_with(const std::string& frame, const std::string& needle) {
  for (const std::string& line : lines_of(frame)) {
    if (line.find(needle) != std::string::npos) return line;
  }
  return {};
}

std::size_t count_of(const std::string& text, const std::string& piece) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(piece); pos != std::string::npos; pos = text.find(piece, pos + piece.size())) ++n;
  return n;
}

WatchFrameOptions frame_options(int columns = 100, int rows = 30, bool color = false, bool unicode = true) {
  WatchFrameOptions o;
  o.columns = columns;
  o.rows = rows;
  o.style = TermStyle{color, unicode};
  o.interval_seconds = 5;
  o.targets_label = "/runs/*";
  return o;
}

AggregateOptions status_agg() { return AggregateOptions{}; }

}  // namespace

TEST_CASE("Watch: header shows green (+N completed) deltas only when the counts grew", "[cli]") {
  const Aggregate before = aggregate({job("tok_a", 40, 10), job("tok_b", 4, 3)}, now - 5, status_agg());
  Aggregate after = aggregate({job("tok_a", 40, 25), job("tok_b", 4, 4)}, now, status_agg());
  const AggregateDelta delta = apply_deltas(after, before);
  REQUIRE(delta.tasks_completed == 16);
  REQUIRE(delta.jobs_completed == 1);

  const std::string colored = render_watch_frame(after, delta, frame_options(100, 30, true));
  CHECK(line_with(colored, "Tracked jobs:").find("1/2 - 50.0% \x1b[32m(+1 completed)\x1b[0m") != std::string::npos);
  CHECK(line_with(colored, "Tracked tasks:").find("29/44 - 65.9% \x1b[32m(+16 completed)\x1b[0m") !=
        std::string::npos);
  // Per-row deltas in the NEW column.
  CHECK(line_with(colored, "tok_a").find("+15") != std::string::npos);

  // Nothing changed: no delta text at all.
  Aggregate same = aggregate({job("tok_a", 40, 25), job("tok_b", 4, 4)}, now + 5, status_agg());
  const AggregateDelta none = apply_deltas(same, after);
  const std::string quiet = render_watch_frame(same, none, frame_options());
  CHECK(quiet.find("(+") == std::string::npos);
  CHECK(line_with(quiet, "tok_a").find("+") == std::string::npos);
}

TEST_CASE("Watch: bars shade the cells completed since the last refresh", "[cli]") {
  const Aggregate before = aggregate({job("tok_a", 100, 40)}, now - 5, status_agg());
  Aggregate after = aggregate({job("tok_a", 100, 60)}, now, status_agg());
  const AggregateDelta delta = apply_deltas(after, before);
  for (const int columns : {60, 100, 160}) {
    const std::string row = line_with(render_watch_frame(after, delta, frame_options(columns)), "tok_a");
    REQUIRE_FALSE(row.empty());
    const auto solid = static_cast<int>(count_of(row, "█"));
    const auto fresh = static_cast<int>(count_of(row, "▓"));
    const auto cursor = static_cast<int>(count_of(row, "▶"));
    const auto rest = static_cast<int>(count_of(row, "░"));
    const int width = solid + fresh + cursor + rest;
    INFO("columns " << columns << ", bar width " << width);
    CHECK(width >= 10);
    CHECK(solid == static_cast<int>(std::floor(0.4 * width)));
    CHECK(fresh == static_cast<int>(std::floor(0.6 * width)) - solid);
    CHECK(cursor == 1);
  }
  // The bar grows with the terminal.
  const auto bar_cells = [&](int columns) {
    const std::string row = line_with(render_watch_frame(after, delta, frame_options(columns)), "tok_a");
    return count_of(row, "█") + count_of(row, "▓") + count_of(row, "▶") + count_of(row, "░");
  };
  CHECK(bar_cells(160) == bar_cells(100) + 60);

  // The overall bar shades the same way, across the full width.
  const std::vector<std::string> lines = lines_of(render_watch_frame(after, delta, frame_options(80)));
  REQUIRE(lines.size() > 3);
  CHECK(count_of(lines[3], "█") == 32);
  CHECK(count_of(lines[3], "▓") == 16);
}

TEST_CASE("Watch: a complete job's bar is solid, without cursor or remaining cells", "[cli]") {
  Aggregate agg = aggregate({job("done_job", 8, 8, 3600)}, now, status_agg());
  const std::string row = line_with(render_watch_frame(agg, {}, frame_options()), "done_job");
  CHECK(count_of(row, "█") > 10);
  CHECK(count_of(row, "▶") == 0);
  CHECK(count_of(row, "░") == 0);
  CHECK(row.find("done 1h 00m ago") != std::string::npos);
}

TEST_CASE("Watch: rows go running and waiting first, then failed and stalled, then complete", "[cli]") {
  // Stalled: regular markers every 10 s, then silence for two hours.
  const std::vector<std::shared_ptr<const JobState>> jobs = {
      job("a_complete", 4, 4),       failed_job("b_failed", 4, 3), job("c_stalled", 10, 5, 7200),
      job("d_running", 10, 5),       job("e_waiting", 10, 0),       job("f_complete", 2, 2),
  };
  const Aggregate agg = aggregate(jobs, now, status_agg());
  std::vector<std::string> order;
  for (const JobRow* row : dashboard_order(agg)) order.push_back(row->job->name);
  CHECK(order == std::vector<std::string>{"d_running", "e_waiting", "b_failed", "c_stalled", "a_complete", "f_complete"});

  const std::string frame = render_watch_frame(agg, {}, frame_options());
  const std::string stalled = line_with(frame, "c_stalled");
  CHECK(stalled.find("⚑") == 0);  // the stall marker
  CHECK(stalled.find("stalled 2h 00m") != std::string::npos);
  CHECK(line_with(frame, "b_failed").find("1 failed") != std::string::npos);
  CHECK(line_with(frame, "e_waiting").find("waiting") != std::string::npos);
  CHECK(line_with(frame, "Tracked jobs:").find("1 failed (1 ranks)") != std::string::npos);
  CHECK(line_with(frame, "Tracked jobs:").find("1 stalled") != std::string::npos);
}

TEST_CASE("Watch: rows that do not fit collapse into one count line", "[cli]") {
  std::vector<std::shared_ptr<const JobState>> jobs;
  for (int i = 0; i < 8; ++i) jobs.push_back(job("run_" + std::to_string(i), 50, 10 + i));
  for (int i = 0; i < 20; ++i) jobs.push_back(job("old_" + std::to_string(i), 5, 5, 900));
  const Aggregate agg = aggregate(jobs, now, status_agg());

  const std::vector<std::string> lines = lines_of(render_watch_frame(agg, {}, frame_options(100, 12)));
  REQUIRE(lines.size() == 12);  // exactly the terminal height
  // title, jobs, tasks, bar, blank, column header, 5 rows, the count line
  for (int i = 6; i < 11; ++i) CHECK(lines[static_cast<std::size_t>(i)].find("run_") != std::string::npos);
  CHECK(lines[11] == "… 23 more: 3 running, 20 complete");

  // Tall enough: every row, no count line.
  const std::vector<std::string> all = lines_of(render_watch_frame(agg, {}, frame_options(100, 40)));
  CHECK(all.size() == 6 + 28);
  CHECK(all.back().find("more:") == std::string::npos);
}

TEST_CASE("Watch: every line fits the terminal, however small", "[cli]") {
  std::vector<std::shared_ptr<const JobState>> jobs = {
      job("tokenize_CC-MAIN-2023-40_with_a_very_long_job_directory_name", 100000, 43210),
      failed_job("短い名前の仕事", 64, 63), job("x", 1, 1)};
  Aggregate before = aggregate(jobs, now - 5, status_agg());
  jobs[0] = job("tokenize_CC-MAIN-2023-40_with_a_very_long_job_directory_name", 100000, 50000);
  Aggregate agg = aggregate(jobs, now, status_agg());
  const AggregateDelta delta = apply_deltas(agg, before);
  for (const bool color : {false, true}) {
    for (const int columns : {1, 12, 20, 40, 80, 132, 250}) {
      for (const int rows : {1, 3, 5, 8, 40}) {
        const std::vector<std::string> lines = lines_of(render_watch_frame(agg, delta, frame_options(columns, rows, color)));
        INFO(columns << "x" << rows << (color ? " colour" : ""));
        CHECK(static_cast<int>(lines.size()) <= rows);
        for (const std::string& line : lines) CHECK(display_width(line) <= columns);
      }
    }
  }
}

TEST_CASE("Watch: ASCII and no-colour frames use neither escapes nor non-ASCII bytes", "[cli]") {
  Aggregate before = aggregate({job("tok_a", 100, 40), failed_job("tok_b", 3, 2), job("tok_c", 3, 3)}, now - 5,
                               status_agg());
  Aggregate agg = aggregate({job("tok_a", 100, 60), failed_job("tok_b", 3, 2), job("tok_c", 3, 3)}, now, status_agg());
  const AggregateDelta delta = apply_deltas(agg, before);
  const std::string frame = render_watch_frame(agg, delta, frame_options(100, 30, false, false));
  CHECK(frame.find('\x1b') == std::string::npos);
  for (const char c : frame) CHECK(static_cast<unsigned char>(c) < 0x80);
  const std::string row = line_with(frame, "tok_a");
  CHECK(row.find("+") != std::string::npos);   // new-shade cells
  CHECK(row.find("#") != std::string::npos);   // solid cells
  CHECK(row.find("#>") == std::string::npos);  // the cursor follows the new cells, not the old
  CHECK(row.find("+>.") != std::string::npos);
  CHECK(line_with(frame, "tok_b").rfind("X ", 0) == 0);
  CHECK(line_with(frame, "Tracked jobs:").find(" | ") != std::string::npos);

  // The environment decides: a non-UTF-8 locale gives the ASCII frame.
  ::setenv("LC_ALL", "C", 1);
  const TermStyle from_env = detect_term_style(-1, ColorMode::automatic);
  ::unsetenv("LC_ALL");
  CHECK_FALSE(from_env.unicode);
  CHECK_FALSE(from_env.color);
  WatchFrameOptions o = frame_options();
  o.style = from_env;
  CHECK(render_watch_frame(agg, delta, o) == frame);
}

TEST_CASE("Watch: hostile job names cannot drive the terminal", "[cli]") {
  const Aggregate agg = aggregate({job("evil\x1b[2J\x1b]0;pwned\x07name\xc2\x9b", 4, 1)}, now, status_agg());
  const std::string frame = render_watch_frame(agg, {}, frame_options());
  CHECK(frame.find('\x1b') == std::string::npos);
  CHECK(frame.find('\x07') == std::string::npos);
  CHECK(frame.find("\xc2\x9b") == std::string::npos);
  CHECK(line_with(frame, "evil?[2J?]0;pwned?name?").size() > 0);
}

TEST_CASE("Watch: no jobs yet is a frame too", "[cli]") {
  const Aggregate agg = aggregate({}, now, status_agg());
  const std::string frame = render_watch_frame(agg, {}, frame_options());
  CHECK(frame.find("Tracked jobs:  0/0 - 0.0%") != std::string::npos);
  CHECK(frame.find("No jobs found (yet)") != std::string::npos);
}

TEST_CASE("Watch: the plain line per refresh and the final summary line", "[cli]") {
  const Aggregate before = aggregate({job("tok_a", 40, 10), job("tok_b", 4, 3)}, now - 5, status_agg());
  Aggregate after = aggregate({job("tok_a", 40, 25), job("tok_b", 4, 4)}, now, status_agg());
  const AggregateDelta delta = apply_deltas(after, before);
  const std::string line = render_watch_log_line(after, delta, true, false);
  CHECK(line.find(" UTC jobs 1/2 (50%) +1 | tasks 29/44 (65%) +16 | 1 running | ") != std::string::npos);
  CHECK(line.find("ETA ") != std::string::npos);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(render_watch_final_line(after, 13, 125) ==
        "Monitoring stopped after 2m 05s: 1/2 (50%) jobs, 29/44 (65%) tasks completed (+16 while watching).");
}

TEST_CASE("Watch: format_rate picks a unit that keeps the number readable", "[cli]") {
  CHECK(format_rate(std::nullopt) == "-");
  CHECK(format_rate(0.0) == "-");
  CHECK(format_rate(2.5) == "2.5/s");
  CHECK(format_rate(1500.0) == "1.5k/s");
  CHECK(format_rate(0.5) == "30/min");
  CHECK(format_rate(0.05) == "3.0/min");
  CHECK(format_rate(1.0 / 7200) == "0.5/h");
}

TEST_CASE("Watch: clip_to_width keeps escape sequences and closes a cut colour", "[cli]") {
  CHECK(clip_to_width("abcdef", 4) == "abcd");
  CHECK(clip_to_width("\x1b[32mabcdef\x1b[0m", 3) == "\x1b[32mabc\x1b[0m");
  CHECK(clip_to_width("\x1b[32mab\x1b[0mcd", 10) == "\x1b[32mab\x1b[0mcd");
  CHECK(clip_to_width("██▓▓", 3) == "██▓");
  CHECK(clip_to_width("日本語", 5) == "日本");  // a wide character never half-fits
  CHECK(clip_to_width("abc", 0).empty());
}

TEST_CASE("Watch: per-job deltas follow each job by path when rows shift or jobs appear", "[cli]") {
  const Aggregate before = aggregate({job("b", 10, 2), job("d", 10, 4)}, now - 5, status_agg());
  // A new job sorts in front of both: every row moves one slot down.
  Aggregate after = aggregate({job("a_new", 10, 3), job("b", 10, 5), job("d", 10, 4)}, now, status_agg());
  const AggregateDelta delta = apply_deltas(after, before);
  REQUIRE(after.rows.size() == 3);
  CHECK(after.rows[0].newly_completed == 0);  // new: nothing to compare with
  CHECK(after.rows[1].newly_completed == 3);
  CHECK(after.rows[2].newly_completed == 0);
  CHECK(delta.tasks_completed == 6);  // the totals count the new job's markers too
  // Same order, same JobState objects (a cached refresh): no delta.
  Aggregate again = aggregate({after.rows[0].job, after.rows[1].job, after.rows[2].job}, now + 5, status_agg());
  apply_deltas(again, after);
  for (const JobRow& row : again.rows) CHECK(row.newly_completed == 0);
}

TEST_CASE("Watch: the header ETA names the date when it is a day or more away", "[cli]") {
  // One marker an hour: 90 tasks left take days.
  const Aggregate agg = aggregate({job("slow", 100, 10, 60, 3600)}, now, status_agg());
  REQUIRE(agg.totals.remaining_seconds);
  REQUIRE(*agg.totals.remaining_seconds > 86400);
  WatchFrameOptions o = frame_options();
  o.utc = true;
  const std::string tasks = line_with(render_watch_frame(agg, {}, o), "Tracked tasks:");
  const std::string expected = format_timestamp(now + *agg.totals.remaining_seconds, true).substr(0, 16) + " UTC)";
  CHECK(tasks.find(expected) != std::string::npos);
  CHECK(line_with(render_watch_frame(agg, {}, o), "updated").find("updated 08:00:00 UTC") != std::string::npos);
}
