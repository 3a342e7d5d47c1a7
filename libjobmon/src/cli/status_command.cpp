#include "jobmon/cli/status_command.hpp"

#include <algorithm>
#include <ostream>
#include <utility>

#include "jobmon/cli/status_view.hpp"
#include "jobmon/cli/watch_command.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/json.hpp"
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

ExitCode check_exit_code(const StatusCommandOptions& options, const Totals& totals) {
  const bool unfinished = totals.jobs_total == 0 || totals.jobs_completed < totals.jobs_total;
  return options.check && unfinished ? ExitCode::incomplete : ExitCode::ok;
}

ExitCode run_status_command(const StatusCommandOptions& options, const Console& console,
                            std::shared_ptr<const Storage> storage) {
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

  std::vector<Warning> warnings = scan.warnings;
  for (Warning& w : scheduler_warnings(scheduler)) warnings.push_back(std::move(w));
  for (const JobRow& row : agg.rows) {
    for (const Warning& w : row.job->warnings) warnings.push_back(w);
  }
  const ExitCode code = check_exit_code(options, agg.totals);

  if (options.json) {
    out << to_pretty_json(status_document(agg, warnings));
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
