#include "jobmon/cli/status_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <utility>

#include "jobmon/cli/status_view.hpp"
#include "jobmon/cli/terminal.hpp"
#include "jobmon/cli/training_view.hpp"
#include "jobmon/cli/watch_command.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/datatrove/status_csv.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {

ScanOptions StatusCommandOptions::scan_options() const {
  ScanOptions o = scan;
  o.prefix = prefix;
  return o;
}

TrainingScanOptions StatusCommandOptions::training_scan_options() const {
  TrainingScanOptions o;
  o.prefix = prefix;
  o.recursive = scan.recursive;
  o.max_depth = scan.max_depth;
  o.max_directories = scan.max_directories;
  return o;
}

std::vector<std::string> StatusCommandOptions::targets_or_cwd() const {
  return targets.empty() ? std::vector<std::string>{"."} : targets;
}

std::vector<std::string> with_datatrove_spellings(std::vector<std::string> args) {
  const auto end_of_flags = std::find(args.begin(), args.end(), std::string("--"));
  std::replace(args.begin(), end_of_flags, std::string("-hc"), std::string("--hide-complete"));
  return args;
}

std::string render_warning_line(const TermStyle& style, const Warning& warning) {
  return paint(style, Color::yellow, "warning: ") + terminal_safe(warning.path) + ": " + terminal_safe(warning.message);
}

std::vector<JobObservation> notification_observations(const Aggregate& agg) {
  std::vector<JobObservation> out;
  out.reserve(agg.rows.size());
  for (const JobRow& row : agg.rows) {
    JobObservation o;
    // The same job from another working directory is the same key.
    o.key = row.job->path.starts_with("s3://") ? row.job->path
                                               : std::filesystem::absolute(row.job->path).lexically_normal().string();
    o.name = row.job->name;
    o.kind = "datatrove";
    o.status = row.status;
    o.reason = row.state_reason;
    o.done = row.job->completed;
    o.total = row.job->world_size;
    o.failed = row.failed_ranks;
    out.push_back(std::move(o));
  }
  return out;
}

ExitCode check_exit_code(const StatusCommandOptions& options, const Totals& totals) {
  const bool unfinished = totals.jobs_total == 0 || totals.jobs_completed < totals.jobs_total;
  return options.check && unfinished ? ExitCode::incomplete : ExitCode::ok;
}

ExitCode check_exit_code(const StatusCommandOptions& options, const Totals& totals, const TrainingRuns& runs) {
  if (!options.check) return ExitCode::ok;
  const bool jobs_unfinished = totals.jobs_completed < totals.jobs_total;
  const bool runs_unfinished =
      std::any_of(runs.begin(), runs.end(), [](const auto& run) { return run->status != JobStatus::complete; });
  const bool nothing = totals.jobs_total == 0 && runs.empty();
  return jobs_unfinished || runs_unfinished || nothing ? ExitCode::incomplete : ExitCode::ok;
}

namespace {

// The width the training lines fit: the terminal's, else $COLUMNS, else none (a file gets it all).
int report_columns(int fd) {
  if (::isatty(fd) == 1) return terminal_size(fd).columns;
  const char* columns = std::getenv("COLUMNS");
  return columns != nullptr && std::atoi(columns) > 0 ? std::atoi(columns) : 0;
}

}  // namespace

ExitCode run_status_command(const StatusCommandOptions& options, const Console& console,
                            std::shared_ptr<const Storage> storage) {
  if (options.csv && options.json) throw UsageError("--csv and --json: pick one");
  std::ostream& out = console.out;
  std::ostream& err = console.err;
  const std::vector<std::string> targets = options.targets_or_cwd();
  if (!storage) storage = storage_for_targets(targets);  // s3:// URLs or local paths
  Scanner scanner(storage, options.scan_options());
  const ScanResult scan = scanner.scan(targets);
  const double now = wall_clock_now();
  TrainingScanner training_scanner(storage, options.training_scan_options());
  const TrainingScanResult training = training_scanner.scan(targets, now);

  AggregateOptions agg_options;
  agg_options.prefix = options.prefix;
  agg_options.hide_complete = options.hide_complete;
  agg_options.sort = options.sort.value_or(SortOrder::name);
  const auto join = make_scheduler_join(options.scheduler, storage);
  const SchedulerView scheduler = join->refresh(scan.jobs, now);
  const Aggregate agg = aggregate(scan.jobs, now, agg_options, &scheduler);
  if (!options.notify.webhook_url.empty() || !options.notify.command.empty()) {
    // From cron: each run tells what changed since the last (the state file).
    Notifier notifier(options.notify);
    AggregateOptions all = agg_options;
    all.hide_complete = false;
    std::vector<JobObservation> observed = notification_observations(aggregate(scan.jobs, now, all, &scheduler));
    for (JobObservation& o : training_observations(training.runs)) observed.push_back(std::move(o));
    notifier.observe(observed, now);
    if (!notifier.flush(60)) console.err << "warning: notifications still undelivered after 60 s; they are kept for the next run\n";
    const NotifyStats s = notifier.stats();
    if (s.given_up > 0) console.err << "warning: notify: " << terminal_safe(s.last_error) << '\n';
  }
  const TrainingRuns runs = options.hide_complete ? without_complete(training.runs) : training.runs;

  std::vector<Warning> warnings = without_training_dirs(scan.warnings, training.runs);
  warnings.insert(warnings.end(), agg.warnings.begin(), agg.warnings.end());
  for (const JobRow& row : agg.rows) {
    for (const Warning& w : row.job->warnings) warnings.push_back(w);
  }
  for (Warning& w : training_warnings(training)) warnings.push_back(std::move(w));
  const ExitCode code = check_exit_code(options, agg.totals, training.runs);

  if (options.json) {
    boost::json::value doc = status_document(agg, warnings);
    boost::json::array runs_json;
    runs_json.reserve(runs.size());
    for (const auto& run : runs) runs_json.push_back(to_json(*run));
    doc.as_object()["training"] = std::move(runs_json);
    out << to_pretty_json(doc);
    return code;
  }
  if (options.csv) {
    const TermStyle csv_err_style = detect_term_style(console.err_fd, options.color);
    for (const Warning& w : warnings) err << render_warning_line(csv_err_style, w) << '\n';
    out << status_csv(agg) << training_csv_rows(runs, now);
    return code;
  }
  const TermStyle err_style = detect_term_style(console.err_fd, options.color);
  for (const Warning& w : warnings) err << render_warning_line(err_style, w) << '\n';
  if (agg.totals.jobs_total == 0 && training.runs.empty()) {
    out << "No jobs found.\n";
    return code;
  }
  StatusViewOptions view;
  view.style = detect_term_style(console.out_fd, options.color);
  view.show_failed = options.show_failed;
  view.utc = options.utc;
  out << render_job_lines(agg, view);
  TrainingViewOptions training_view;
  training_view.style = view.style;
  training_view.utc = options.utc;
  training_view.columns = report_columns(console.out_fd);
  out << render_training_lines(runs, now, training_view);
  if (agg.totals.jobs_total > 0) {
    out << render_summary_line(agg.totals) << '\n';
    const std::string outlook = render_outlook_line(agg, view);
    if (!outlook.empty()) out << outlook << '\n';
  }
  const std::string training_summary = render_training_summary_line(training.runs, view.style);
  if (!training_summary.empty()) out << training_summary << '\n';
  return code;
}

ExitCode run_status_tool(const StatusCommandOptions& options, const Console& console,
                         std::shared_ptr<const Storage> storage) {
  if (!options.watch && !options.once) return run_status_command(options, console, std::move(storage));
  return run_watch_command(options, console, std::move(storage));
}

}  // namespace jobmon
