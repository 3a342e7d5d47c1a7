// Training runs (jobmon/training/training_run.hpp) as jobmon-status shows
// them beside datatrove jobs: one line per run in the visual language of the
// job lines (icon, name, step count, percent, bar, then epoch, loss, eval
// loss and the ETA or the state's reason), the CSV rows, the notifier's
// observations, the warnings, and the words the --watch rows use.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/cli/render.hpp"
#include "jobmon/notify/notifier.hpp"
#include "jobmon/training/run_report.hpp"
#include "jobmon/training/training_run.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "jobmon/warning.hpp"

namespace jobmon {

struct TrainingViewOptions {
  TermStyle style;
  int columns = 0;  // every line fits in this many columns; 0: no limit (a pipe)
  int bar_width = 20;
  int max_name_width = 48;
  bool utc = false;  // timestamps in UTC instead of local time
};

// The names to show: each run's name, or where two runs share one (three
// Lightning "version_0" dirs) the shortest ending of its path that tells it
// apart ("pl-a/lightning_logs/version_0"). In the runs' order, not yet sanitized.
std::vector<std::string> training_display_names(const TrainingRuns& runs);

// "step 1,500/3,000", "step 1,500" (max_steps unknown), "no step yet".
std::string training_step_text(const TrainingRun& run);
// The run's progress as a fraction in [0, 1]; 1 only when complete.
double training_fraction(const TrainingRun& run);
// The whole percent ("  ?" when neither max_steps nor the epochs bound the run), 3 wide.
std::string training_percent_text(const TrainingRun& run);
// Which series are a run's losses and headline metric: jobmon/training/run_report.hpp.
// A metric value in 4 significant digits ("0.4123", "14.75", "3.2e-05", "nan").
std::string format_metric(double value);

// The details after the bar, painted, most important first when cut: the ETA
// or the state's words, "loss 0.4123 (best 0.39)", "epoch 1.02/2",
// "eval_loss 0.52", "eval_accuracy 0.91". `brief` keeps only what a narrow
// view needs. Every name and reason is passed through terminal_safe.
struct TrainingDetail {
  std::string text;  // painted
  int priority = 0;  // lower is dropped first when the line is too wide
};
std::vector<TrainingDetail> training_details(const TrainingRun& run, double now, const TermStyle& style, bool utc);
// The state part alone: "ETA 12m (2.5/s)", "finished 2026-12-07 01:02:03",
// the reason of a failed or stalled run, "pending".
std::string training_state_text(const TrainingRun& run, double now, const TermStyle& style, bool utc);

// The lines of jobmon-status for the runs, each ending in '\n', in the
// runs' order; empty for no runs.
std::string render_training_lines(const TrainingRuns& runs, double now, const TrainingViewOptions& options);
// "Training runs: 1/3 complete · 1 running · 1 failed"; empty for no runs.
std::string render_training_summary_line(const TrainingRuns& runs, const TermStyle& style);

// Counts by state.
struct TrainingTotals {
  std::int64_t runs = 0, complete = 0, running = 0, failed = 0, stalled = 0, pending = 0;
};
TrainingTotals training_totals(const TrainingRuns& runs);

// --csv rows (no header) in status_csv's columns: completed and world_size
// are the step and max_steps, percent the run's, failed_ranks and
// failed_ranks_exact empty (a run has no ranks), rate_per_hour in steps.
std::string training_csv_rows(const TrainingRuns& runs, double now);

// The runs as the notifier sees them: kind "training", done = step, total = max_steps.
std::vector<JobObservation> training_observations(const TrainingRuns& runs);

// training_warnings and without_training_dirs: jobmon/training/run_report.hpp.

// The runs without the complete ones (--hide-complete), and how many those were.
TrainingRuns without_complete(const TrainingRuns& runs, std::size_t* hidden = nullptr);

}  // namespace jobmon
