#include "datajuicer/snapshot_summary.hpp"

#include <algorithm>
#include <cmath>

#include "jobmon/format.hpp"

namespace jobmon {

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::not_started: return "not_started";
    case RunStatus::in_progress: return "in_progress";
    case RunStatus::completed: return "completed";
    case RunStatus::failed: return "failed";
  }
  return "not_started";
}

namespace detail {
namespace {

double percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return 0;
  return std::round(static_cast<double>(part) * 10000.0 / static_cast<double>(whole)) / 100.0;
}

// Planned partitions: the DAG plan, else the first job_start's
// metadata.num_partitions (never its total_partitions, which current writers
// fill with the number of operations), else the creation events.
void plan_partitions(Snapshot& s, const EventState& state, const SnapshotSources& src) {
  if (src.dag.loaded && src.dag.planned_partitions > 0) {
    s.planned_partitions = std::min(src.dag.planned_partitions, max_partitions);
    s.planned_partitions_source = "dag_plan";
  } else if (state.num_partitions) {
    s.planned_partitions = *state.num_partitions;
    s.planned_partitions_source = "job_start";
  } else if (state.created_partitions > 0) {
    s.planned_partitions = std::min(state.created_partitions, max_partitions);
    s.planned_partitions_source = "partition_creation";
  } else {
    s.planned_partitions_source = "events";
  }
}

// Where operation `idx` is in s.operations (sorted by idx, one entry per
// operation_names entry, which every op cell has).
std::size_t aggregate_of(const Snapshot& s, std::int64_t idx) {
  const auto it = std::lower_bound(s.operations.begin(), s.operations.end(), idx,
                                   [](const OpAggregate& a, std::int64_t i) { return a.operation_idx < i; });
  return static_cast<std::size_t>(it - s.operations.begin());
}

void count_progress(Snapshot& s) {
  std::int64_t seen = 0, op_entries = 0;
  s.operations.reserve(s.operation_names.size());
  for (const auto& [idx, name] : s.operation_names) {
    s.operations.emplace_back();
    s.operations.back().operation_idx = idx;
    s.operations.back().operation_name = name;
  }
  for (const auto& [pid, p] : s.partitions) {
    if (!p.seen) continue;
    ++seen;
    if (p.status == RunStatus::completed) ++s.completed_partitions;
    else if (p.status == RunStatus::failed) ++s.failed_partitions;
    else if (p.status == RunStatus::in_progress) ++s.in_progress_partitions;
    std::size_t at = 0;  // both are sorted by idx: the next aggregate is usually the next entry
    for (const auto& [idx, op] : p.ops) {
      if (op.status == RunStatus::not_started && !op.checkpointed) continue;
      ++op_entries;
      if (at >= s.operations.size() || s.operations[at].operation_idx != idx) at = aggregate_of(s, idx);
      OpAggregate& agg = s.operations[at++];
      if (op.checkpointed) {
        ++s.checkpointed_operations;
        ++agg.checkpointed;
      }
      switch (op.status) {
        case RunStatus::completed:
          ++s.completed_operations;
          ++agg.completed;
          if (!std::isnan(op.duration)) agg.total_duration += op.duration;
          if (op.input_rows >= 0 && op.output_rows >= 0) {
            agg.input_rows += op.input_rows;
            agg.output_rows += op.output_rows;
          }
          break;
        case RunStatus::failed: ++s.failed_operations; ++agg.failed; break;
        case RunStatus::in_progress: ++s.in_progress_operations; ++agg.in_progress; break;
        default: break;
      }
    }
  }
  s.total_partitions = std::max(s.planned_partitions, seen);
  s.total_operations = std::max(s.total_partitions * s.operations_per_partition, op_entries);
  for (OpAggregate& agg : s.operations) {
    if (agg.completed > 0) agg.mean_duration = agg.total_duration / static_cast<double>(agg.completed);
    if (agg.input_rows > 0)
      agg.reduction_ratio = 1.0 - static_cast<double>(agg.output_rows) / static_cast<double>(agg.input_rows);
    if (agg.total_duration > 0 && agg.input_rows > 0)
      agg.rows_per_second = static_cast<double>(agg.input_rows) / agg.total_duration;
  }
}

void add_failure(Snapshot& s, Failure f) {
  ++s.failures_total;
  if (s.failures.size() < Snapshot::max_failures) s.failures.push_back(std::move(f));
}

void collect_failures(Snapshot& s) {
  if (s.overall_status == RunStatus::failed && !s.error_message.empty()) add_failure(s, {{}, {}, {}, s.error_message});
  for (const auto& [id, p] : s.partitions) {
    if (p.status == RunStatus::failed) add_failure(s, {id, {}, {}, p.error_message});
    for (const auto& [idx, op] : p.ops) {
      if (op.status != RunStatus::failed) continue;
      const auto name = s.operation_names.find(idx);
      add_failure(s, {id, idx, name != s.operation_names.end() ? name->second : std::string(),
                      op.error != 0 ? s.op_errors[op.error - 1] : std::string()});
    }
  }
}

RunStatus status_from_summary(const std::string& status) {
  if (status == "completed") return RunStatus::completed;
  if (status == "failed") return RunStatus::failed;
  if (status == "running" || status == "stopped") return RunStatus::in_progress;
  return RunStatus::not_started;
}

void decide_status(Snapshot& s, const EventState& state, const SnapshotSources& src) {
  // Job-level events decide; the summary only fills in when the events do not.
  s.overall_status = state.job_status;
  if (!state.job_terminal && src.job_summary.loaded) {
    const RunStatus from_summary = status_from_summary(src.job_summary.status);
    if (from_summary == RunStatus::completed || from_summary == RunStatus::failed ||
        s.overall_status == RunStatus::not_started)
      s.overall_status = from_summary;
  }
  s.status = src.job_summary.loaded && !src.job_summary.status.empty() && !state.job_terminal
                 ? src.job_summary.status
                 : std::string(to_string(s.overall_status));
  s.error_message = !state.job_error.empty() ? state.job_error : src.job_summary.error_message;
}

void decide_timing(Snapshot& s, const EventState& state, const SnapshotSources& src, double now) {
  const JobSummaryInfo& sum = src.job_summary;
  s.last_event_time = state.last_event_time;
  if (sum.loaded) s.job_summary_duration = sum.duration;
  if (sum.loaded && sum.start_time) {
    s.start_time = sum.start_time;
    s.job_summary_used = true;
    s.timing_source = "job_summary";
  } else if (state.start_time) {
    s.start_time = state.start_time;
    s.timing_source = "events";
  } else {
    s.timing_source = "none";
  }
  if (state.job_terminal && state.end_time) {
    s.end_time = state.end_time;
  } else if (sum.loaded && sum.end_time && (s.overall_status == RunStatus::completed || s.overall_status == RunStatus::failed)) {
    s.end_time = sum.end_time;
    s.job_summary_used = true;
  }
  // A finished job's duration runs to its end; one still in progress has
  // been running until now (never less than until its last event).
  std::optional<double> until = s.end_time;
  if (!until && s.overall_status == RunStatus::in_progress) {
    until = std::max(now, s.last_event_time.value_or(now));
    s.duration_until_now = true;
  }
  if (!until) until = s.last_event_time;
  if (s.start_time && until && *until >= *s.start_time) s.duration_seconds = *until - *s.start_time;
  else s.duration_until_now = false;
}

// In partition-operations; in partitions when no op has completed but
// partitions have (a writer that sends partition events only).
void estimate(Snapshot& s, const EventState& state, double now) {
  if (s.overall_status != RunStatus::in_progress) return;
  const bool by_partitions = s.completed_operations == 0 && state.history.samples().empty() && s.completed_partitions > 0;
  const std::int64_t total = by_partitions ? s.total_partitions : s.total_operations;
  if (total <= 0) return;
  const double done = static_cast<double>(by_partitions ? s.completed_partitions : s.completed_operations);
  EtaEstimator estimator(static_cast<double>(total));
  // A resumed job's pace counts from the current run's start: an earlier
  // run's last completion says nothing about how this run goes.
  const bool resumed = state.run_start_time && state.start_time && *state.run_start_time > *state.start_time;
  if (resumed)
    estimator.set_start(*state.run_start_time,
                        static_cast<double>(by_partitions ? state.run_start_parts : state.run_start_ops));
  else if (s.start_time)
    estimator.set_start(*s.start_time);
  for (const EtaSample& sample : (by_partitions ? state.partition_history : state.history).samples())
    if (!resumed || sample.time >= *state.run_start_time) estimator.add(sample.time, sample.done);
  if (state.last_event_time) estimator.add(*state.last_event_time, done);
  s.eta = estimator.smoothed(now);
  s.eta_linear = estimator.linear(now);
  s.eta_unit = by_partitions ? "partitions" : "partition_operations";
}

}  // namespace

Snapshot summarize(const EventState& state, const SnapshotSources& src, double now) {
  Snapshot s;
  s.work_dir = src.work_dir;
  s.generated_at = now;
  s.dag = src.dag;
  s.job_summary = src.job_summary;
  s.events_files = src.files;
  s.skipped = src.skipped;
  for (const auto& f : src.files) {
    if (!f.partial_last_line) continue;
    ++s.skipped.torn;
    if (s.skipped.first.size() < SkippedLines::max_listed) s.skipped.first.push_back({f.path, f.lines + 1, LineIssue::torn});
  }
  s.events_analyzed = state.events;
  s.runs = state.runs;
  s.restarts = state.restarts;
  s.op_errors = state.op_errors;

  // Operation names: the events', completed by the plan's.
  s.operation_names = state.operation_names;
  for (const auto& [idx, name] : src.dag.planned_operations) {
    std::string& known = s.operation_names[idx];
    if (known.empty()) known = name;
  }
  s.operations_per_partition = static_cast<std::int64_t>(s.operation_names.size());

  // The partitions named, and the planned ones not named yet (not_started)
  // for a plan of a plausible size only: one job_start line claiming 10^6
  // partitions must not print 10^6 entries. The totals count them all the same.
  plan_partitions(s, state, src);
  const std::int64_t placeholders = s.planned_partitions <= Snapshot::max_listed_planned ? s.planned_partitions : 0;
  std::vector<std::pair<std::int64_t, const PartitionState*>> named;
  named.reserve(state.partitions.size());
  for (const auto& [pid, p] : state.partitions) named.emplace_back(pid, &p);
  std::sort(named.begin(), named.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  s.partitions.reserve(named.size() + static_cast<std::size_t>(placeholders));
  std::int64_t placeholder = 0;  // appended in id order: each entry is a push_back
  for (const auto& [pid, p] : named) {
    for (; placeholder < std::min(pid, placeholders); ++placeholder) s.partitions[placeholder];
    s.partitions[pid] = *p;
    placeholder = std::max(placeholder, pid + 1);
  }
  for (; placeholder < placeholders; ++placeholder) s.partitions[placeholder];
  count_progress(s);
  decide_status(s, state, src);
  decide_timing(s, state, src, now);

  s.partition_percentage = percent(s.completed_partitions, s.total_partitions);
  s.operation_percentage = percent(s.completed_operations, s.total_operations);
  if (s.overall_status == RunStatus::completed) s.overall_percentage = 100;
  else s.overall_percentage = s.total_operations > 0 ? s.operation_percentage : s.partition_percentage;

  const JobSummaryInfo& sum = src.job_summary;
  s.job_id = !state.job_id.empty() ? state.job_id : !sum.job_id.empty() ? sum.job_id : base_name(src.work_dir);
  s.executor_type = !state.executor_type.empty() ? state.executor_type : sum.executor_type;
  s.config_files = sum.config_file;
  if (s.config_files.empty() && !src.config_yaml.empty()) s.config_files.push_back(src.config_yaml);
  s.config_file = !s.config_files.empty() ? s.config_files.front() : std::string();
  s.checkpoint_strategy = state.checkpoint_strategy;
  s.last_checkpoint_time = state.last_checkpoint_time;
  s.checkpoint_dir = !sum.checkpoint_dir.empty() ? sum.checkpoint_dir
                     : src.has_checkpoint_dir   ? src.work_dir + "/checkpoints"
                                                : std::string();
  s.resumable = s.overall_status != RunStatus::completed && s.checkpointed_operations > 0;
  // The writer's command stays as written; one made here is quoted so that
  // it pastes into a shell as it reads (a config path with spaces or quotes).
  s.resumption_command = sum.resumption_command;
  if (s.resumption_command.empty() && s.resumable) s.resumption_command = dj_resume_command(s.config_files, s.job_id);

  collect_failures(s);
  group_failures(s, state);
  estimate(s, state, now);
  decide_state(s);
  locate_files(s, src);
  collect_warnings(s, src);
  return s;
}

}  // namespace detail

std::string dj_resume_command(const std::vector<std::string>& config_files, const std::string& job_id) {
  if (config_files.empty() || job_id.empty()) return {};
  std::string command = "dj-process";
  for (const std::string& c : config_files) command += " --config " + shell_quote(c);
  return command + " --job_id " + shell_quote(job_id);
}

}  // namespace jobmon
