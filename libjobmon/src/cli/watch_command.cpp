// The refresh loop of `jobmon-status --watch` (see jobmon/watch_command.hpp).
#include "jobmon/cli/watch_command.hpp"

#include <algorithm>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <ostream>
#include <set>
#include <string_view>
#include <utility>

#include "core/system/environment.hpp"
#include "jobmon/cli/terminal.hpp"
#include "jobmon/cli/training_view.hpp"
#include "jobmon/cli/watch.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {
namespace {

constexpr double min_interval_seconds = 0.05;

// One refresh: scan (cached), aggregate, deltas against the previous one.
struct Refresh {
  Aggregate aggregate;
  AggregateDelta delta;
  std::vector<WatchTrainingRow> training;  // shown (after --hide-complete)
  std::vector<WatchTrainingRow> all_training;  // every run, for the next refresh's new steps
  std::vector<Warning> warnings;
  double seconds = 0;
};

// The dashboard never waits on Slurm once it has its first answer.
SchedulerOptions in_background(double interval) {
  SchedulerOptions o;
  o.ask_in_background = true;
  o.refresh_seconds = interval;
  return o;
}

class Refresher {
 public:
  Refresher(const StatusCommandOptions& options, std::shared_ptr<const Storage> storage)
      : scanner_(storage, options.scan_options()),
        training_scanner_(storage, options.training_scan_options()),
        scheduler_(make_scheduler_join(options.scheduler, storage, in_background(options.scheduler_interval))),
        targets_(options.targets_or_cwd()) {
    if (!options.notify.webhook_url.empty() || !options.notify.command.empty())
      notifier_ = std::make_unique<Notifier>(options.notify);
    aggregate_options_.prefix = options.prefix;
    hide_complete_ = options.hide_complete;  // applied after the notifier saw every row
  }

  Refresh next(const Refresh* previous) {
    const auto started = std::chrono::steady_clock::now();
    ScanResult scan = scanner_.scan(targets_);
    Refresh r;
    const double now = wall_clock_now();
    TrainingScanResult training = training_scanner_.scan(targets_, now);
    const SchedulerView scheduler = scheduler_->refresh(scan.jobs, now);
    r.aggregate = aggregate(scan.jobs, now, aggregate_options_, &scheduler);
    if (notifier_) {
      std::vector<JobObservation> observed = notification_observations(r.aggregate);
      for (JobObservation& o : training_observations(training.runs)) observed.push_back(std::move(o));
      notifier_->observe(observed, now);
    }
    r.all_training = watch_training_rows(training.runs, previous != nullptr ? &previous->all_training : nullptr);
    r.training = r.all_training;
    if (hide_complete_) {
      const auto complete = [](const JobRow& row) { return row.status == JobStatus::complete; };
      r.aggregate.hidden_complete = static_cast<std::size_t>(std::count_if(r.aggregate.rows.begin(), r.aggregate.rows.end(), complete));
      std::erase_if(r.aggregate.rows, complete);
      std::erase_if(r.training, [](const WatchTrainingRow& row) { return row.run->status == JobStatus::complete; });
    }
    if (previous != nullptr) r.delta = apply_deltas(r.aggregate, previous->aggregate);
    r.warnings = without_training_dirs(std::move(scan.warnings), training.runs);
    r.warnings.insert(r.warnings.end(), r.aggregate.warnings.begin(), r.aggregate.warnings.end());
    for (const JobRow& row : r.aggregate.rows)
      for (const Warning& w : row.job->warnings) r.warnings.push_back(w);
    for (Warning& w : training_warnings(training)) r.warnings.push_back(std::move(w));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return r;
  }

  std::string targets_label() const {
    std::string label;
    for (const std::string& t : targets_) label += (label.empty() ? "" : " ") + t;
    return label;
  }

 private:
  Scanner scanner_;
  TrainingScanner training_scanner_;
  std::unique_ptr<SchedulerJoin> scheduler_;
  std::unique_ptr<Notifier> notifier_;  // delivers on its own thread
  bool hide_complete_ = false;
  std::vector<std::string> targets_;
  AggregateOptions aggregate_options_;
};

WatchFrameOptions frame_options(const StatusCommandOptions& options, const Refresher& refresher, int out_fd) {
  WatchFrameOptions frame;
  frame.style = detect_term_style(out_fd, options.color);
  frame.utc = options.utc;
  frame.interval_seconds = options.interval;
  frame.targets_label = refresher.targets_label();
  return frame;
}

void print_warnings(std::ostream& err, const TermStyle& style, const std::vector<Warning>& warnings,
                    std::set<std::pair<std::string, std::string>>& seen) {
  for (const Warning& w : warnings) {
    if (!seen.emplace(w.path, w.message).second) continue;
    err << render_warning_line(style, w) << '\n';
  }
}

ExitCode run_once(const StatusCommandOptions& options, Refresher& refresher, const Console& console) {
  const int out_fd = console.out_fd;
  WatchFrameOptions frame = frame_options(options, refresher, out_fd);
  const Refresh r = refresher.next(nullptr);
  std::set<std::pair<std::string, std::string>> seen;
  print_warnings(console.err, detect_term_style(console.err_fd, options.color), r.warnings, seen);
  if (::isatty(out_fd) == 1) {
    const TerminalSize size = terminal_size(out_fd);
    frame.columns = size.columns;
    frame.rows = size.rows - 1;  // the shell prompt follows
  } else {
    const char* columns = std::getenv("COLUMNS");
    frame.columns = columns != nullptr && std::atoi(columns) > 0 ? std::atoi(columns) : 100;
    frame.rows = 1 << 30;  // a file gets every row
  }
  frame.show_keys = false;
  frame.warnings = r.warnings;
  frame.scan_seconds = r.seconds;
  frame.training = r.training;
  console.out << render_watch_frame(r.aggregate, r.delta, frame) << '\n';
  TrainingRuns runs;
  for (const WatchTrainingRow& row : r.all_training) runs.push_back(row.run);
  return check_exit_code(options, r.aggregate.totals, runs);  // --once --check: the report's rule
}

// Not a terminal (a log file, a pipe): one plain line per refresh.
ExitCode run_plain(const StatusCommandOptions& options, Refresher& refresher, const Console& console) {
  std::ostream& out = console.out;
  SignalWatch signals;
  const TermStyle err_style = detect_term_style(console.err_fd, options.color);
  const bool unicode = detect_term_style(console.out_fd, options.color).unicode;
  std::set<std::pair<std::string, std::string>> seen;
  const double started = wall_clock_now();
  Refresh current = refresher.next(nullptr);
  const std::int64_t tasks_at_start = current.aggregate.totals.tasks_completed;
  for (;;) {
    print_warnings(console.err, err_style, current.warnings, seen);
    out << render_watch_log_line(current.aggregate, current.delta, current.training, options.utc, unicode) << std::endl;
    if (!out) return ExitCode::runtime_error;  // the reader went away
    if (signals.wait(options.interval - current.seconds) == SignalWatch::Event::quit) break;
    current = refresher.next(&current);
  }
  out << render_watch_final_line(current.aggregate, tasks_at_start, wall_clock_now() - started) << std::endl;
  return ExitCode::ok;
}

ExitCode run_dashboard(const StatusCommandOptions& options, Refresher& refresher, const Console& console) {
  SignalWatch signals(/*catch_suspend=*/true);
  WatchFrameOptions frame = frame_options(options, refresher, console.out_fd);
  const double started = wall_clock_now();
  Refresh current = refresher.next(nullptr);
  const std::int64_t tasks_at_start = current.aggregate.totals.tasks_completed;
  {
    TerminalSession terminal(console.in_fd, console.out_fd);
    bool quit = false;
    while (!quit && !signals.quit_requested()) {
      const auto refreshed_at = std::chrono::steady_clock::now();
      frame.warnings = current.warnings;
      frame.scan_seconds = current.seconds;
      frame.training = current.training;
      bool redraw = true;
      bool refresh_now = false;
      while (!quit && !refresh_now) {
        if (redraw) {
          const TerminalSize size = terminal.size();  // re-checked every frame
          frame.columns = size.columns;
          frame.rows = size.rows;
          if (!terminal.draw(render_watch_frame(current.aggregate, current.delta, frame))) return ExitCode::runtime_error;
          redraw = false;
        }
        const double waited =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - refreshed_at).count();
        switch (signals.wait(options.interval - current.seconds - waited, terminal.input_fd())) {
          case SignalWatch::Event::timeout: refresh_now = true; break;
          case SignalWatch::Event::quit: quit = true; break;
          case SignalWatch::Event::resize: redraw = true; break;
          case SignalWatch::Event::suspend:
            terminal.suspend();
            redraw = true;
            break;
          case SignalWatch::Event::input:
            for (const char key : terminal.read_keys()) {
              if (key == 'q' || key == 'Q') quit = true;
              else if (key == 'r' || key == 'R') refresh_now = true;
            }
            break;
        }
      }
      if (!quit) current = refresher.next(&current);
    }
    terminal.restore();
  }
  console.out << render_watch_final_line(current.aggregate, tasks_at_start, wall_clock_now() - started) << std::endl;
  return ExitCode::ok;
}

}  // namespace

void check_watch_flags(const StatusCommandOptions& options) {
  if (options.once && options.watch) throw UsageError("--once does not combine with --watch/-i: one frame, or a live dashboard");
  const std::string mode = options.once ? "--once" : "--watch";
  auto refuse = [&](std::string_view flag, std::string_view why) {
    throw UsageError(fmt::format("{} does not combine with {}: {}", flag, mode, why));
  };
  if (options.json) refuse("--json", "the dashboard is for people; use --json alone");
  if (options.csv) refuse("--csv", "the dashboard is for people; use --csv alone");
  if (options.show_failed) refuse("--failed", "the dashboard does not list ranks; use --failed alone");
  if (options.sort) refuse("--sort", "the dashboard orders jobs by state");
  if (options.check && !options.once) refuse("--check", "the live dashboard has no end; use --once --check");
}

ExitCode run_watch_command(const StatusCommandOptions& options, const Console& console,
                           std::shared_ptr<const Storage> storage) {
  check_watch_flags(options);
  if (!std::isfinite(options.interval) || options.interval < min_interval_seconds)
    throw UsageError("the interval must be at least 0.05 seconds");
  if (!storage) storage = storage_for_targets(options.targets_or_cwd());  // s3:// URLs or local paths
  Refresher refresher(options, std::move(storage));
  if (options.once) return run_once(options, refresher, console);
  // A dumb terminal has no alternate screen or cursor addressing: plain lines.
  const bool dumb = detail::env_or_empty("TERM") == "dumb";
  if (::isatty(console.out_fd) != 1 || dumb) return run_plain(options, refresher, console);
  return run_dashboard(options, refresher, console);
}

}  // namespace jobmon
