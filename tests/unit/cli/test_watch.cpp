// The dashboard frame renderer (jobmon/watch.hpp), fed by the real
// Aggregator and apply_deltas on JobStates shaped like scanned jobs.
#include <catch2/catch.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "jobmon/cli/render.hpp"
#include "jobmon/cli/status_view.hpp"
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

// A job still running (markers every 10 s, the last 5 s ago) with `failed`
// ranks whose logs end in an error; `unread` more ranks the log budget did not read.
std::shared_ptr<const JobState> running_with_failures(const std::string& name, std::int64_t world, std::int64_t completed,
                                                      std::int64_t failed, std::int64_t unread = 0) {
  auto j = std::const_pointer_cast<JobState>(job(name, world, completed));
  for (std::int64_t r = 0; r < failed; ++r)
    j->rank_issues.push_back(RankIssue{completed + r, RankState::failed, "OSError: disk full", now - 60});
  recount_ranks(*j);
  j->rank_counts.unread = unread;
  j->rank_counts.pending -= unread;
  return j;
}

// Failed ranks and then silence: markers every 10 s until two hours ago.
std::shared_ptr<const JobState> stopped_with_failures(const std::string& name, std::int64_t world, std::int64_t completed) {
  auto j = std::const_pointer_cast<JobState>(job(name, world, completed, 7200));
  j->rank_issues.push_back(RankIssue{completed, RankState::failed, "OSError: disk full", now - 7200});
  recount_ranks(*j);
  return j;
}

// Markers copied in one burst (same mtime, and executor.json with them): no rate.
std::shared_ptr<const JobState> burst_job(const std::string& name, std::int64_t world, std::int64_t completed) {
  return job(name, world, completed, 5, 0);
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

TEST_CASE("Watch: rows go running and pending first, then failed and stalled, then complete", "[cli]") {
  // Stalled: regular markers every 10 s, then silence for two hours.
  const std::vector<std::shared_ptr<const JobState>> jobs = {
      job("a_complete", 4, 4),       failed_job("b_failed", 4, 3), job("c_stalled", 10, 5, 7200),
      job("d_running", 10, 5),       job("e_pending", 10, 0),       job("f_complete", 2, 2),
      running_with_failures("c_running_with_failures", 10, 5, 1),
  };
  const Aggregate agg = aggregate(jobs, now, status_agg());
  std::vector<std::string> order;
  for (const JobRow* row : dashboard_order(agg)) order.push_back(row->job->name);
  // A running job with failed ranks is running: it sorts with the running ones.
  CHECK(order == std::vector<std::string>{"c_running_with_failures", "d_running", "e_pending", "b_failed", "c_stalled",
                                          "a_complete", "f_complete"});

  const std::string frame = render_watch_frame(agg, {}, frame_options());
  const std::string stalled = line_with(frame, "c_stalled");
  CHECK(stalled.find("⚑") == 0);  // the stall marker
  CHECK(stalled.find("stalled 2h 00m") != std::string::npos);
  CHECK(line_with(frame, "b_failed").find("1 failed") != std::string::npos);
  CHECK(line_with(frame, "e_pending").find("pending") != std::string::npos);
  // The words of jobmon-status, nowhere the old ones.
  CHECK(frame.find("waiting") == std::string::npos);
  const std::string jobs_line = line_with(frame, "Tracked jobs:");
  CHECK(jobs_line.find("· 2 running · 1 failed · 1 stalled · 1 pending · 2 failed ranks") != std::string::npos);
  CHECK(jobs_line.find("(1 ranks)") == std::string::npos);
}

TEST_CASE("Watch: each state's row says what jobmon-status says", "[cli]") {
  const std::vector<std::shared_ptr<const JobState>> jobs = {
      running_with_failures("run_fail", 20, 10, 2),    running_with_failures("run_lower_bound", 20, 10, 3, 4),
      failed_job("relaunch_me", 8, 7),                 stopped_with_failures("stopped", 10, 5),
      burst_job("copied", 10, 5),                      job("quiet", 10, 5, 7200),
  };
  const Aggregate agg = aggregate(jobs, now, status_agg());
  const std::string frame = render_watch_frame(agg, {}, frame_options(120, 30));
  INFO(frame);
  const std::string run_fail = line_with(frame, "run_fail");
  CHECK(run_fail.rfind("●", 0) == 0);  // running, not failed
  CHECK(run_fail.find("2 failed · ") != std::string::npos);
  CHECK(run_fail.find("rate unknown") == std::string::npos);  // it has a rate: the ETA follows
  CHECK(line_with(frame, "run_lower_bound").find(">=3 failed · ") != std::string::npos);
  CHECK(line_with(frame, "relaunch_me").find("1 failed · needs relaunch") != std::string::npos);
  CHECK(line_with(frame, "stopped").find("1 failed · stopped 2h 00m ago") != std::string::npos);
  CHECK(line_with(frame, "stopped").rfind("✗", 0) == 0);
  CHECK(line_with(frame, "copied").find("rate unknown") != std::string::npos);
  CHECK(line_with(frame, "copied").find(" ? ") == std::string::npos);
  CHECK(line_with(frame, "quiet").find("stalled 2h 00m") != std::string::npos);
  // The header counts the inexact ranks as a lower bound, apart from the jobs.
  CHECK(line_with(frame, "Tracked jobs:").find("3 running · 2 failed · 1 stalled · >=7 failed ranks") != std::string::npos);
}

TEST_CASE("Watch: the dashboard row and the plain line give the same ETA for a job", "[cli]") {
  const std::vector<std::shared_ptr<const JobState>> jobs = {
      job("steady", 100, 40), job("slow", 100, 10, 60, 3600), running_with_failures("with_failures", 50, 20, 2),
      failed_job("broken", 4, 3), burst_job("copied", 10, 5)};
  const Aggregate agg = aggregate(jobs, now, status_agg());
  StatusViewOptions plain_options;
  plain_options.style = TermStyle{false, true};
  const std::string plain = render_job_lines(agg, plain_options);
  const std::string frame = render_watch_frame(agg, {}, frame_options(140, 30));
  for (const JobRow& row : agg.rows) {
    const std::string& name = row.job->name;
    INFO(name << "\nplain:\n" << plain << "\nframe:\n" << frame);
    const std::string plain_line = line_with(plain, name + ":");
    const std::string watch_row = line_with(frame, name);
    REQUIRE_FALSE(plain_line.empty());
    REQUIRE_FALSE(watch_row.empty());
    if (row.eta.remaining_seconds) {
      const std::string eta = format_duration(*row.eta.remaining_seconds);
      CHECK(plain_line.find("ETA " + eta) != std::string::npos);
      CHECK(watch_row.size() >= eta.size());
      CHECK(watch_row.substr(watch_row.size() - eta.size()) == eta);  // the row ends with the ETA
    } else {
      CHECK(plain_line.find("ETA ") == plain_line.find("ETA ? (rate unknown)"));
      CHECK((row.status != JobStatus::running || watch_row.find("rate unknown") != std::string::npos));
    }
  }
  // Both kinds of job are in this test: with an ETA and without.
  CHECK(line_with(frame, "steady").find("rate unknown") == std::string::npos);
  CHECK(line_with(frame, "copied").find("rate unknown") != std::string::npos);
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

// Valid UTF-8 in the strict sense (no overlong forms, surrogates or stray bytes).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    char32_t cp = n == 1 ? b : (b & (0x7F >> n));
    for (std::size_t k = 1; k < n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    const std::size_t minimal = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (n != minimal || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
    i += n;
  }
  return true;
}

// The frame without its own colour sequences (SGR: ESC [ digits m).
std::string without_colour(const std::string& frame) {
  std::string out;
  for (std::size_t i = 0; i < frame.size(); ++i) {
    if (frame[i] == '\x1b' && i + 1 < frame.size() && frame[i + 1] == '[') {
      std::size_t end = i + 2;
      while (end < frame.size() && (std::isdigit(static_cast<unsigned char>(frame[end])) || frame[end] == ';')) ++end;
      if (end < frame.size() && frame[end] == 'm') {
        i = end;
        continue;
      }
    }
    out += frame[i];
  }
  return out;
}

TEST_CASE("Watch: hostile names, paths and messages cannot drive the terminal", "[cli]") {
  const std::string hostile = "evil\x1b[2J\x1b]0;pwned\x07name\xc2\x9b\xff\xfe\x9b\xed\xa0\x80\xc0\xaf" "end";
  const Aggregate agg = aggregate({job(hostile, 4, 1)}, now, status_agg());
  for (const bool color : {false, true}) {
    WatchFrameOptions o = frame_options(200, 30, color);
    o.targets_label = "/runs/" + hostile;
    o.warnings = {{"/runs/" + hostile + "/completions", "1 entries are not rank numbers (e.g. '" + hostile + "')"},
                  {"/runs/x\r\nfake line", "not a job: no executor.json\x1b[31m"}};
    const std::string frame = render_watch_frame(agg, {}, o);
    INFO((color ? "colour" : "no colour"));
    const std::string text = without_colour(frame);
    CHECK(text.find('\x1b') == std::string::npos);  // ESC only in the frame's own colours
    CHECK(text.find('\x07') == std::string::npos);
    CHECK(text.find('\r') == std::string::npos);
    CHECK(frame.find("\xc2\x9b") == std::string::npos);  // C1 CSI
    CHECK(valid_utf8(frame));                           // no stray, overlong or surrogate bytes
    // The name is still recognisable, in its row, the title and the warnings.
    CHECK(count_of(text, "[2J") == 4);
    CHECK(count_of(text, "pwned") == 4);
    CHECK(line_with(text, "fake line").find("  /runs/x") == 0);  // the \r\n did not start a line
    CHECK(lines_of(frame).size() == 6 + 1 + 3);                 // title..bar, blank, header, row, warnings
  }
}

TEST_CASE("Watch: warnings are listed under the table, the skipped dirs last", "[cli]") {
  const Aggregate agg = aggregate({job("tok_a", 40, 10), job("tok_b", 4, 4)}, now, status_agg());
  WatchFrameOptions o = frame_options(100, 30);
  o.warnings = {{"/runs/scratch", "not a job: no executor.json"},
                {"/runs/nope*", "pattern matched no directory"},
                {"/runs/tok_a/completions", "2 entries are not rank numbers and were ignored (e.g. '1')"}};
  std::vector<std::string> lines = lines_of(render_watch_frame(agg, {}, o));
  REQUIRE(lines.size() == 4 + 2 + 2 + 4);
  CHECK(lines[0].find("3 warnings") != std::string::npos);
  CHECK(lines[8] == "Warnings (3):");
  CHECK(lines[9] == "  /runs/nope*: pattern matched no directory");
  CHECK(lines[10] == "  /runs/tok_a/completions: 2 entries are not rank numbers and were ignored (e.g. '1')");
  CHECK(lines[11] == "  /runs/scratch: not a job: no executor.json");

  // A long message is clipped to the width, not wrapped.
  o.columns = 80;
  o.warnings = {{"/runs/" + std::string(200, 'x'), "permission denied"}};
  for (const std::string& line : lines_of(render_watch_frame(agg, {}, o))) CHECK(display_width(line) <= 80);
  CHECK(line_with(render_watch_frame(agg, {}, o), "1 warning").find("1 warnings") == std::string::npos);

  // Many warnings, a short terminal: the table keeps its rows, the warnings
  // what is left, and the rest is counted.
  o.warnings.clear();
  for (int i = 0; i < 50; ++i) o.warnings.push_back({"/runs/dir_" + std::to_string(i), "not a job: no executor.json"});
  o.rows = 16;
  lines = lines_of(render_watch_frame(agg, {}, o));
  REQUIRE(lines.size() == 16);
  CHECK(lines[6].find("tok_a") != std::string::npos);
  CHECK(lines[7].find("tok_b") != std::string::npos);
  CHECK(lines[8] == "Warnings (50):");
  CHECK(lines[9] == "  /runs/dir_0: not a job: no executor.json");
  CHECK(lines[14] == "  /runs/dir_5: not a job: no executor.json");
  CHECK(lines[15] == "  … 44 more warnings");

  // Many jobs and many warnings: both get a share; every line fits.
  std::vector<std::shared_ptr<const JobState>> many;
  for (int i = 0; i < 40; ++i) many.push_back(job("run_" + std::to_string(100 + i), 50, 10));
  const Aggregate crowded = aggregate(many, now, status_agg());
  o.rows = 24;
  lines = lines_of(render_watch_frame(crowded, {}, o));
  REQUIRE(lines.size() == 24);
  CHECK(line_with(render_watch_frame(crowded, {}, o), "more: ").find("running") != std::string::npos);
  CHECK(line_with(render_watch_frame(crowded, {}, o), "Warnings (50):").size() > 0);
  CHECK(lines.back().find("more warnings") != std::string::npos);

  // No jobs found but a warning that says why: both on screen.
  const Aggregate none = aggregate({}, now, status_agg());
  o.warnings = {{"/runs/typo", "no such file or directory"}};
  const std::string empty = render_watch_frame(none, {}, o);
  CHECK(empty.find("No jobs found (yet)") != std::string::npos);
  CHECK(empty.find("  /runs/typo: no such file or directory") != std::string::npos);
}

TEST_CASE("Watch: narrow terminals keep the name and the status/ETA before the bar", "[cli]") {
  const std::string name = "tokenize_CC-MAIN-2023-40_shard";
  const std::vector<std::shared_ptr<const JobState>> jobs = {
      job(name, 100, 25), running_with_failures("filter_lang_CC-MAIN", 64, 30, 1), failed_job("dedup_minhash_stage2", 8, 7),
      job("stalled_job", 40, 20, 7200)};
  const Aggregate before = aggregate(jobs, now - 5, status_agg());
  Aggregate agg = aggregate(jobs, now, status_agg());
  apply_deltas(agg, before);
  const JobRow* running = nullptr;
  for (const JobRow& row : agg.rows) if (row.job->name == name) running = &row;
  REQUIRE(running != nullptr);
  REQUIRE(running->eta.remaining_seconds);
  const std::string eta = format_duration(*running->eta.remaining_seconds);
  for (const bool color : {false, true}) {
    for (const int columns : {40, 60, 100}) {
      const std::string frame = render_watch_frame(agg, {}, frame_options(columns, 30, color));
      const std::string plain = without_colour(frame);
      INFO(columns << " columns" << (color ? ", colour" : "") << "\n" << plain);
      for (const std::string& line : lines_of(frame)) CHECK(display_width(line) <= columns);
      const std::string row = line_with(plain, name.substr(0, 7));
      REQUIRE_FALSE(row.empty());
      CHECK(display_width(row.substr(0, row.find(" 25/100"))) >= 2 + 8);  // glyph + at least 8 cells of name
      CHECK(row.find("25/100") != std::string::npos);
      CHECK(row.size() >= eta.size());
      CHECK(row.substr(row.size() - eta.size()) == eta);
      CHECK(line_with(plain, "filter_").find("1 failed · ") != std::string::npos);
      CHECK(line_with(plain, "dedup_m").find("1 failed") != std::string::npos);
      CHECK(line_with(plain, "⚑ ").find("stalled 2h 00m") != std::string::npos);
      if (columns >= 60) CHECK(row.find("░") != std::string::npos);  // room left for the bar
      if (columns == 100) {
        CHECK(row.find(name) != std::string::npos);  // wide: the whole name
        CHECK(line_with(plain, "JOB").find("RATE") != std::string::npos);
        CHECK(line_with(plain, "dedup_m").find("needs relaunch") != std::string::npos);
      }
      if (columns == 40) CHECK(line_with(plain, "JOB").find("RATE") == std::string::npos);  // RATE went first
    }
  }
  // One running job at 40 columns: name, count and ETA, and the bar gets the rest.
  const Aggregate one = aggregate({job(name, 100, 25)}, now, status_agg());
  const std::string row = line_with(render_watch_frame(one, {}, frame_options(40, 30)), "tokeniz");
  INFO(row);
  CHECK(display_width(row) == 40);
  CHECK(row.rfind("● tokeniz", 0) == 0);
  CHECK(row.find("25/100 ") != std::string::npos);
  CHECK(count_of(row, "█") + count_of(row, "▶") + count_of(row, "░") >= 10);
  CHECK(row.substr(row.size() - eta.size()) == eta);
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
