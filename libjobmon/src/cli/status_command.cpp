#include "jobmon/cli/status_command.hpp"

#include <algorithm>
#include <filesystem>
#include <ostream>
#include <utility>

#include "jobmon/cli/status_view.hpp"
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

ExitCode run_status_command(const StatusCommandOptions& options, const Console& console,
                            std::shared_ptr<const Storage> storage) {
  if (options.csv && options.json) throw UsageError("--csv and --json: pick one");
  std::ostream& out = console.out;
  std::ostream& err = console.err;
  const std::vector<std::string> targets = options.targets_or_cwd();
  if (!storage) storage = storage_for_targets(targets);  // s3:// URLs or local paths
  Scanner scanner(storage, options.scan_options());
  const ScanResult scan = scanner.scan(targets);

  AggregateOptions agg_options;
  agg_options.prefix = options.prefix;
  agg_options.hide_complete = options.hide_complete;
  agg_options.sort = options.sort.value_or(SortOrder::name);
  const double now = wall_clock_now();
  const auto join = make_scheduler_join(options.scheduler, storage);
  const SchedulerView scheduler = join->refresh(scan.jobs, now);
  const Aggregate agg = aggregate(scan.jobs, now, agg_options, &scheduler);
  if (!options.notify.webhook_url.empty() || !options.notify.command.empty()) {
    // From cron: each run tells what changed since the last (the state file).
    Notifier notifier(options.notify);
    AggregateOptions all = agg_options;
    all.hide_complete = false;
    notifier.observe(notification_observations(aggregate(scan.jobs, now, all, &scheduler)), now);
    if (!notifier.flush(60)) console.err << "warning: notifications still undelivered after 60 s; they are kept for the next run\n";
    const NotifyStats s = notifier.stats();
    if (s.given_up > 0) console.err << "warning: notify: " << terminal_safe(s.last_error) << '\n';
  }

  std::vector<Warning> warnings = scan.warnings;
  warnings.insert(warnings.end(), agg.warnings.begin(), agg.warnings.end());
  for (const JobRow& row : agg.rows) {
    for (const Warning& w : row.job->warnings) warnings.push_back(w);
  }
  const ExitCode code = check_exit_code(options, agg.totals);

  if (options.json) {
    out << to_pretty_json(status_document(agg, warnings));
    return code;
  }
  if (options.csv) {
    const TermStyle csv_err_style = detect_term_style(console.err_fd, options.color);
    for (const Warning& w : warnings) err << render_warning_line(csv_err_style, w) << '\n';
    out << status_csv(agg);
    return code;
  }
  const TermStyle err_style = detect_term_style(console.err_fd, options.color);
  for (const Warning& w : warnings) err << render_warning_line(err_style, w) << '\n';
  if (agg.totals.jobs_total == 0) {
    out << "No jobs found.\n";
    return code;
  }
  StatusViewOptions view;
  view.style = detect_term_style(console.out_fd, options.color);
  view.show_failed = options.show_failed;
  view.utc = options.utc;
  out << render_job_lines(agg, view);
  out << render_summary_line(agg.totals) << '\n';
  const std::string outlook = render_outlook_line(agg, view);
  if (!outlook.empty()) out << outlook << '\n';
  return code;
}

ExitCode run_status_tool(const StatusCommandOptions& options, const Console& console,
                         std::shared_ptr<const Storage> storage) {
  if (!options.watch && !options.once) return run_status_command(options, console, std::move(storage));
  return run_watch_command(options, console, std::move(storage));
}

}  // namespace jobmon
