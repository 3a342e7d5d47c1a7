// The `jobmon-status` command as a library function: the executable only
// parses flags into StatusCommandOptions and calls run_status_tool, which
// picks the one-shot report (run_status_command) or the live dashboard
// (run_watch_command in watch_command.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/cli/console.hpp"
#include "jobmon/cli/exit_code.hpp"
#include "jobmon/cli/render.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/notify/notifier.hpp"
#include "jobmon/training/training_scanner.hpp"

namespace jobmon {

struct StatusCommandOptions {
  std::vector<std::string> targets;  // paths or globs; empty = "."
  std::string prefix;
  bool hide_complete = false;
  bool json = false;
  bool csv = false;  // one line per job (status_csv.hpp), not with --json
  bool show_failed = false;
  bool check = false;
  bool utc = false;
  ColorMode color = ColorMode::automatic;
  // Given: the report's order (the dashboard orders by state, so --sort with
  // --watch/--once is refused). Not given: by name.
  std::optional<SortOrder> sort;
  ScanOptions scan;
  // --scheduler: whose word joins the files' (auto: Slurm where it runs).
  SchedulerChoice scheduler = SchedulerChoice::automatic;
  // --scheduler-interval: with --watch, seconds between the scheduler's
  // answers (asked in the background; the screen never waits on them).
  double scheduler_interval = 10;
  // Notifications on each job state transition (--notify-webhook,
  // --notify-command; with --watch): none when both are empty.
  NotifyOptions notify;
  // Live dashboard (run_watch_command in watch_command.hpp).
  bool watch = false;     // refresh every `interval` seconds until q / Ctrl-C
  bool once = false;      // render one dashboard frame and exit
  double interval = 5;    // seconds between refreshes

  // The targets to scan: `targets`, or "." when none were given.
  std::vector<std::string> targets_or_cwd() const;
  // `scan` with the prefix applied: dirs it leaves out are not read, nor warned about.
  ScanOptions scan_options() const;
  // The training runs' discovery under the same targets: the prefix, and
  // recursive/max_depth/max_directories from `scan`.
  TrainingScanOptions training_scan_options() const;
};

// datatrove's own spellings of jobmon-status's flags, for the command line
// CLI11 reads: its jobs_status takes "-hc" for --hide_complete, a two-letter
// short flag that CLI11 would read as "-h -c" (help). Takes the arguments
// after the program name and returns them with the exact token "-hc" as
// "--hide-complete"; tokens after "--" are paths and stay as they are.
// (--hide_complete, -p and --log_prefix are declared as they are.)
std::vector<std::string> with_datatrove_spellings(std::vector<std::string> args);

// The rows as the notifier sees them (--notify-*): path, name, state, counts.
std::vector<JobObservation> notification_observations(const Aggregate& aggregate);

// "warning: PATH: MESSAGE" for stderr, the path and message passed through
// terminal_safe (both come from the scanned tree), "warning: " painted.
std::string render_warning_line(const TermStyle& style, const Warning& warning);

// The exit code --check asks for, one rule for the report and --once: incomplete
// when a job is unfinished or none was found; ok without --check.
ExitCode check_exit_code(const StatusCommandOptions& options, const Totals& totals);
// The same over datatrove jobs and training runs: incomplete when a job or a
// run is not complete, or when neither was found.
ExitCode check_exit_code(const StatusCommandOptions& options, const Totals& totals,
                         const std::vector<std::shared_ptr<const TrainingRun>>& runs);

// One report: the job lines, the training runs' lines and the summaries (or
// --json, --csv) on console.out, scan warnings on console.err. ok, or
// incomplete with --check when a job or run is unfinished or none was found. Throws for errors (UsageError: bad options).
ExitCode run_status_command(const StatusCommandOptions& options, const Console& console,
                            std::shared_ptr<const Storage> storage = nullptr);

// The whole tool: run_watch_command with --watch or --once (which refuses the
// flags that do not apply to the dashboard: see run_watch_command), else
// run_status_command.
ExitCode run_status_tool(const StatusCommandOptions& options, const Console& console,
                         std::shared_ptr<const Storage> storage = nullptr);

}  // namespace jobmon
