// The live dashboard of `jobmon-status --watch`, as pure functions: one frame
// is a function of (Aggregate, deltas, terminal size, style), so layout is
// unit-testable without a terminal. The terminal itself is terminal.hpp; the
// refresh loop is watch_command.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jobmon/cli/render.hpp"
#include "jobmon/cli/training_view.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/job.hpp"

namespace jobmon {

// A training run on the dashboard: the run and the steps it made since the
// previous refresh (the NEW column and the bar's new shade).
struct WatchTrainingRow {
  std::shared_ptr<const TrainingRun> run;
  std::int64_t new_steps = 0;
};

// The rows for `runs`, with the steps made since `previous` (none at the first refresh).
std::vector<WatchTrainingRow> watch_training_rows(const TrainingRuns& runs,
                                                  const std::vector<WatchTrainingRow>* previous);

struct WatchFrameOptions {
  int columns = 80;                     // terminal width; every line fits in it
  int rows = 24;                        // terminal height; the frame has at most this many lines
  TermStyle style;
  bool utc = false;                     // "updated" time in UTC instead of local time
  double interval_seconds = 5;          // shown in the title
  std::string targets_label;            // what is watched, e.g. "/runs/tok_*"
  // Scan and job warnings: counted in the title and listed under the table
  // (as many as the rows left allow, then "… N more warnings").
  std::vector<Warning> warnings;
  std::optional<double> scan_seconds;   // cost of the last refresh, shown in the title
  bool show_keys = true;                // "q quit" hint (not in --once output)
  // Training runs: rows in the jobs table (state, name, step/max, bar, loss
  // and ETA) and a "Training runs" line under the job totals.
  std::vector<WatchTrainingRow> training;
};

// One dashboard frame, lines separated by '\n' (no trailing newline):
// title; "Tracked jobs" and "Tracked tasks" with green (+N completed) deltas,
// states (the words of jobmon-status: running, pending, failed, stalled,
// complete), failed ranks, rate and ETA; an overall bar; then the jobs table
// (running and pending first, then failed and stalled, then complete),
// collapsed into a count line when the rows do not fit; then the warnings.
// Training runs (options.training) are rows of the same table, in the same
// state order, with a "Training runs" line under the totals; the job and
// task totals lines are left out when only training runs were found.
// Bars show work done before the last refresh solid, work done since in a
// distinct shade, and a cursor. Every name, path and message from the disk
// is sanitized: it cannot drive the terminal.
std::string render_watch_frame(const Aggregate& aggregate, const AggregateDelta& delta,
                               const WatchFrameOptions& options);

// The rows in dashboard order (see render_watch_frame).
std::vector<const JobRow*> dashboard_order(const Aggregate& aggregate);

// One plain line per refresh for output that is not a terminal:
// "01:52:10 jobs 1/3 (33%) +1 · tasks 127/192 (66%) +12 · 2 running · 38/min · ETA 5m 10s".
std::string render_watch_log_line(const Aggregate& aggregate, const AggregateDelta& delta, bool utc = false,
                                  bool unicode = true);
// The same with the training runs: "... · training 0/1 · ft-run step 150/300 +30 loss 0.41 ETA 2m"
// (the datatrove parts only when there are jobs; the first 3 runs named).
std::string render_watch_log_line(const Aggregate& aggregate, const AggregateDelta& delta,
                                  const std::vector<WatchTrainingRow>& training, bool utc, bool unicode);

// The line printed after the dashboard ends: "Monitoring stopped after 2m 05s:
// 1/3 (33%) jobs, 127/192 (66%) tasks completed (+12 while watching)."
std::string render_watch_final_line(const Aggregate& last, std::int64_t tasks_completed_at_start,
                                    double watched_seconds);

// "3.2/s", "45/min", "1.5/h"; "-" when unknown or zero.
std::string format_rate(std::optional<double> per_second);

// Cuts text with ANSI colour sequences to `width` display columns, keeping
// the sequences (and resetting colour when it cut inside a coloured span).
std::string clip_to_width(std::string_view text, int width);

}  // namespace jobmon
