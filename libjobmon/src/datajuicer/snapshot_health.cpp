// What a reader should know before the numbers: the state word (running or
// stalled), where the job's files are, and the problems with its sources.
#include <algorithm>
#include <fmt/format.h>

#include "datajuicer/snapshot_summary.hpp"
#include "jobmon/format.hpp"

namespace jobmon::detail {
namespace {

// Stall rule (documented on Snapshot::state): silence longer than 5 usual
// gaps between completed partition-operations, within [10 min, 24 h];
// 6 h when the pace is not known yet.
constexpr double stall_factor = 5, min_stall_seconds = 600, max_stall_seconds = 24 * 3600.0,
                 no_pace_stall_seconds = 6 * 3600.0;

double stall_after(const Snapshot& s) {
  if (s.eta && s.eta->rate && *s.eta->rate > 0)
    return std::clamp(stall_factor / *s.eta->rate, min_stall_seconds, max_stall_seconds);
  return no_pace_stall_seconds;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

void decide_state(Snapshot& s) {
  if (s.last_event_time) s.last_event_age = std::max(0.0, s.generated_at - *s.last_event_time);
  switch (s.overall_status) {
    case RunStatus::completed:
      s.state = JobStatus::complete;
      s.state_reason = "the job completed";
      return;
    case RunStatus::failed:
      s.state = JobStatus::failed;
      s.state_reason = s.error_message.empty() ? "the job failed" : "the job failed: " + first_line(s.error_message);
      return;
    case RunStatus::not_started:
      s.state = JobStatus::pending;
      s.state_reason = "no job event yet";
      return;
    case RunStatus::in_progress: break;
  }
  const double limit = stall_after(s);
  if (s.last_event_age && *s.last_event_age >= limit) {
    s.state = JobStatus::stalled;
    s.state_reason = fmt::format("no event for {} (stalled after {} of silence)", format_duration(*s.last_event_age),
                                 format_duration(limit));
  } else if (s.eta && s.eta->stalled) {
    s.state = JobStatus::stalled;
    s.state_reason = fmt::format("events but no completed operation for {}, far longer than usual",
                                 format_duration(s.eta->seconds_since_progress));
  } else {
    s.state = JobStatus::running;
    s.state_reason = s.last_event_age ? fmt::format("last event {} ago", format_duration(*s.last_event_age))
                                      : std::string("in progress (no event timestamps)");
  }
}

void locate_files(Snapshot& s, const SnapshotSources& src) {
  const JobSummaryInfo& sum = src.job_summary;
  s.event_log_file = !sum.event_log_file.empty() ? sum.event_log_file
                     : !src.files.empty()         ? src.files.back().path  // the run being written
                                                  : std::string();
  s.event_log_dir = !sum.event_log_dir.empty() ? sum.event_log_dir : !src.files.empty() ? src.work_dir : std::string();
  s.metadata_dir = !sum.metadata_dir.empty() ? sum.metadata_dir
                   : src.has_metadata_dir     ? src.work_dir + "/metadata"
                                              : std::string();
  s.backed_up_config_path = !sum.backed_up_config_path.empty() ? sum.backed_up_config_path : src.config_yaml;
}

void collect_warnings(Snapshot& s, const SnapshotSources& src) {
  s.warnings = src.warnings;
  for (const auto& f : src.files)
    if (!f.error.empty()) s.warnings.push_back(f.path + ": " + f.error + " (read again on the next refresh)");
  const std::string plan = src.work_dir + "/dag_execution_plan.json";
  if (!src.dag.error.empty())
    s.warnings.push_back(plan + ": " + src.dag.error + "; planned totals come from the events");
  else if (src.dag.loaded && src.dag.total_nodes == 0)
    s.warnings.push_back(plan + ": the plan has no nodes; planned totals come from the events");
  const std::string summary = src.work_dir + "/job_summary.json";
  if (!src.job_summary.error.empty())
    s.warnings.push_back(summary + ": " + src.job_summary.error + "; not used");
  else if (src.job_summary.loaded && src.job_summary.fields == 0)
    s.warnings.push_back(summary + ": an empty summary ({}); nothing taken from it");
}

}  // namespace jobmon::detail
