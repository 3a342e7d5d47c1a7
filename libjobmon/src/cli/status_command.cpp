#include "jobmon/cli/status_command.hpp"

#include <unistd.h>

#include <ostream>

#include "jobmon/cli/status_view.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {

int run_status_command(const StatusCommandOptions& options, std::ostream& out, std::ostream& err,
                       std::shared_ptr<const Storage> storage) {
  const std::vector<std::string> targets = options.targets.empty() ? std::vector<std::string>{"."} : options.targets;
  if (!storage) storage = storage_for_targets(targets);  // s3:// URLs or local paths
  Scanner scanner(storage, options.scan);
  const ScanResult scan = scanner.scan(targets);

  AggregateOptions agg_options;
  agg_options.prefix = options.prefix;
  agg_options.hide_complete = options.hide_complete;
  agg_options.sort = options.sort;
  const Aggregate agg = aggregate(scan.jobs, wall_clock_now(), agg_options);

  std::vector<Warning> warnings = scan.warnings;
  for (const JobRow& row : agg.rows) {
    for (const Warning& w : row.job->warnings) warnings.push_back(w);
  }
  const bool any_incomplete = agg.totals.jobs_completed < agg.totals.jobs_total;
  const int code = options.check && (any_incomplete || agg.totals.jobs_total == 0)
                       ? static_cast<int>(ExitCode::incomplete)
                       : static_cast<int>(ExitCode::ok);

  if (options.json) {
    out << to_pretty_json(status_document(agg, warnings));
    return code;
  }
  const TermStyle err_style = detect_term_style(STDERR_FILENO, options.color);
  for (const Warning& w : warnings) {
    err << paint(err_style, Color::yellow, "warning: ") << w.path << ": " << w.message << '\n';
  }
  if (agg.totals.jobs_total == 0) {
    out << "No jobs found.\n";
    return code;
  }
  StatusViewOptions view;
  view.style = detect_term_style(STDOUT_FILENO, options.color);
  view.show_failed = options.show_failed;
  view.utc = options.utc;
  out << render_job_lines(agg, view);
  out << render_summary_line(agg.totals) << '\n';
  const std::string outlook = render_outlook_line(agg, view);
  if (!outlook.empty()) out << outlook << '\n';
  return code;
}

}  // namespace jobmon
