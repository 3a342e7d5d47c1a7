// What a reader should know before the numbers: the state word (running or
// stalled), where the job's files are, and the problems with its sources.
#include <algorithm>
#include <cmath>
#include <optional>
#include <fmt/format.h>

#include "datajuicer/snapshot_summary.hpp"
#include "jobmon/format.hpp"

namespace jobmon::detail {
namespace {

// Stall rule (documented on Snapshot::state): silence (no event at all)
// longer than 5 x the longest a partition-operation has taken, within
// [10 min, 24 h]; 6 h when no duration is known yet. In a partitioned job
// every partition runs the same op at about the same time, so nothing may
// arrive for a whole op's length: the unit of patience is one op on one
// partition, never the job's overall completion rate.
constexpr double stall_factor = 5, min_stall_seconds = 600, max_stall_seconds = 24 * 3600.0,
                 no_pace_stall_seconds = 6 * 3600.0;

// The longest completed partition-operation (its written or timestamp
// duration); else, for a writer that sends partition events only, the
// longest completed partition.
std::optional<double> longest_unit(const Snapshot& s) {
  std::optional<double> op_longest, partition_longest;
  for (const auto& [pid, p] : s.partitions) {
    if (p.status == RunStatus::completed && p.end_time >= p.start_time)
      partition_longest = std::max(partition_longest.value_or(0.0), p.end_time - p.start_time);
    for (const auto& [idx, op] : p.ops)
      if (op.status == RunStatus::completed && op.duration_source != DurationSource::none && std::isfinite(op.duration) &&
          op.duration >= 0)
        op_longest = std::max(op_longest.value_or(0.0), op.duration);
  }
  return op_longest ? op_longest : partition_longest;
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
  const std::optional<double> unit = longest_unit(s);
  const double limit =
      unit ? std::clamp(stall_factor * *unit, min_stall_seconds, max_stall_seconds) : no_pace_stall_seconds;
  if (s.last_event_age && *s.last_event_age >= limit) {
    s.state = JobStatus::stalled;
    s.state_reason =
        unit ? fmt::format("no event for {} (stalled after {} of silence; the longest operation took {})",
                           format_duration(*s.last_event_age), format_duration(limit), format_duration(*unit))
             : fmt::format("no event for {} (stalled after {} of silence; no operation has completed yet)",
                           format_duration(*s.last_event_age), format_duration(limit));
    // A stalled job is not running any more: its duration ends at its last event.
    if (s.duration_until_now && s.start_time && s.last_event_time && *s.last_event_time >= *s.start_time)
      s.duration_seconds = *s.last_event_time - *s.start_time;
    s.duration_until_now = false;
  } else {
    s.state = JobStatus::running;
    s.state_reason = s.last_event_age ? fmt::format("last event {} ago", format_duration(*s.last_event_age))
                                      : std::string("in progress (no event timestamps)");
  }
  // One word everywhere: the ETA is stalled exactly when the state is.
  for (auto* eta : {&s.eta, &s.eta_linear})
    if (*eta) (*eta)->stalled = s.state == JobStatus::stalled;
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
