#include "datajuicer/snapshot_state.hpp"

#include <cmath>

#include "core/text/text.hpp"

namespace jobmon::detail {
namespace {

double time_or_nan(const Event& e) { return e.timestamp ? *e.timestamp : no_time; }

std::string clip(std::string_view text) { return detail::clip(text, max_error_length); }

// op_complete's duration and rows (see DurationSource): a written duration
// of 0 or none gives way to the timestamps when both exist; the newer
// writer's 0 rows beside its 0.0 duration are placeholders, not counts.
void set_duration(OpState& op, const Event& e, double end) {
  const bool have_times = !std::isnan(op.start_time) && !std::isnan(end) && end >= op.start_time;
  const bool zero_written = e.duration && *e.duration == 0.0;
  if (e.duration && (*e.duration != 0.0 || !have_times)) {
    op.duration = *e.duration;
    op.duration_source = DurationSource::written;
  } else if (have_times) {
    op.duration = end - op.start_time;
    op.duration_source = DurationSource::timestamps;
  } else {
    op.duration = no_time;
    op.duration_source = DurationSource::none;
  }
  const bool placeholder_rows = zero_written && e.input_rows.value_or(0) == 0 && e.output_rows.value_or(0) == 0;
  if (placeholder_rows) {
    op.input_rows = op.output_rows = -1;
    return;
  }
  if (e.input_rows) op.input_rows = *e.input_rows;
  if (e.output_rows) op.output_rows = *e.output_rows;
}

}  // namespace

void ProgressHistory::add(double time, double done) {
  if (!samples_.empty() && samples_.back().time > time) return;  // out of order: keep it monotonic
  if (++skipped_ < stride_) return;
  skipped_ = 0;
  samples_.push_back({time, done});
  if (samples_.size() >= capacity) {
    // Keep every other sample (always the latest), then record half as often.
    std::vector<EtaSample> kept;
    kept.reserve(capacity / 2 + 1);
    for (std::size_t i = samples_.size() % 2 == 0 ? 1 : 0; i < samples_.size(); i += 2) kept.push_back(samples_[i]);
    samples_ = std::move(kept);
    stride_ *= 2;
  }
}

void EventState::begin_file() { run_open_ = run_marked_ = false; }

PartitionState* EventState::partition(const Event& e) {
  if (!e.partition_id) return nullptr;
  const std::int64_t id = *e.partition_id;
  if (id < 0 || id >= max_partitions) return nullptr;
  // One entry per partition named, whatever its id. Partitions first named
  // in id order (the usual case) sit at index id: no hashing.
  const auto at = static_cast<std::size_t>(id);
  PartitionState* found = at < partitions.size() && partitions[at].first == id ? &partitions[at].second : nullptr;
  if (found == nullptr) {
    const auto [slot, added] = partition_slot.try_emplace(id, static_cast<std::uint32_t>(partitions.size()));
    if (added) partitions.emplace_back(id, PartitionState{});
    found = &partitions[slot->second].second;
  }
  PartitionState& p = *found;
  p.seen = true;
  return &p;
}

// The op an event names, by operation_idx (or, in the demo vocabulary that
// has only names, by a name seen before or a new index).
std::pair<std::int64_t, OpState*> EventState::operation(PartitionState& p, const Event& e) {
  std::int64_t idx = -1;
  if (e.operation_idx) {
    idx = *e.operation_idx;
  } else if (!e.operation_name.empty()) {
    for (const auto& [i, name] : operation_names)
      if (name == e.operation_name) idx = i;
    if (idx < 0) idx = operation_names.empty() ? 0 : operation_names.back().first + 1;
  }
  if (idx < 0 || idx >= max_operations) return {idx, nullptr};
  OpState* cell = nullptr;
  if (const auto found = p.ops.find(idx); found != p.ops.end()) {
    cell = &found->second;
  } else {
    if (op_cells >= max_op_cells) return {idx, nullptr};  // out of range, counted by the caller
    ++op_cells;
    cell = &p.ops[idx];
  }
  std::string& name = operation_names[idx];
  // checkpoint_load may call the op "op_0004": names come from op events only.
  const bool names_op = e.type == EventType::op_start || e.type == EventType::op_complete || e.type == EventType::op_failed;
  if (names_op && !e.operation_name.empty() && name != e.operation_name) name = std::string(e.operation_name);
  return {idx, cell};
}

void EventState::set_partition_status(PartitionState& p, RunStatus status) {
  if (p.status == RunStatus::completed) --completed_parts;
  if (status == RunStatus::completed) ++completed_parts;
  p.status = status;
}

void EventState::log_failure(std::string_view message, std::optional<std::int64_t> partition_id, std::string_view op_name,
                             bool job_level) {
  add_to_failure_groups(failure_log, std::max<std::int64_t>(runs, 1), clip(message), partition_id, op_name, job_level);
}

void EventState::set_op_status(OpState& op, RunStatus status) {
  if (op.status == RunStatus::completed) --completed_ops;
  if (status == RunStatus::completed) ++completed_ops;
  op.status = status;
}

void EventState::mark_run_start(const Event& e) {
  if (e.timestamp) run_start_time = e.timestamp;
  run_marked_ = true;
  run_start_ops = completed_ops;
  run_start_parts = completed_parts;
}

std::uint32_t EventState::add_error(std::string_view message) {
  op_errors.push_back(clip(message));
  return static_cast<std::uint32_t>(op_errors.size());
}

bool EventState::apply(const Event& e) {
  const bool after_job_start = previous_was_job_start_;
  const bool after_restart = previous_was_restart_;
  previous_was_job_start_ = e.type == EventType::job_start;
  previous_was_restart_ = e.type == EventType::job_restart;
  const double t = time_or_nan(e);
  if (e.timestamp) {
    if (!last_event_time || *e.timestamp > *last_event_time) last_event_time = e.timestamp;
  }
  switch (e.type) {
    case EventType::job_start:
      if (!start_time && e.timestamp) start_time = e.timestamp;
      // A new run: the first start after a terminal event or in a new file,
      // or a resume appended to the same events.jsonl (older writers) after
      // a crash that left no terminal event.
      if (!run_open_ || (e.is_resuming == Tri::yes && !after_job_start)) {
        ++runs;
        if (!after_restart) mark_run_start(e);  // a job_restart just before marked it
      }
      run_open_ = true;
      if (!num_partitions && e.num_partitions && *e.num_partitions > 0)
        num_partitions = std::min<std::int64_t>(*e.num_partitions, max_partitions);  // no overflow in totals
      if (!e.job_id.empty()) job_id = std::string(e.job_id);
      if (!e.executor_type.empty()) executor_type = std::string(e.executor_type);
      if (!e.checkpoint_strategy.empty()) checkpoint_strategy = std::string(e.checkpoint_strategy);
      job_status = RunStatus::in_progress;
      job_terminal = false;
      end_time.reset();
      job_error.clear();  // a new run: the previous run's failure is history
      return true;
    case EventType::job_restart:
      ++restarts;
      mark_run_start(e);
      job_status = RunStatus::in_progress;
      job_terminal = false;
      end_time.reset();
      return true;
    case EventType::job_complete:
    case EventType::job_failed:
      job_status = e.type == EventType::job_complete ? RunStatus::completed : RunStatus::failed;
      job_terminal = true;
      run_open_ = run_marked_ = false;
      if (e.timestamp) end_time = e.timestamp;
      if (e.type == EventType::job_failed) {
        job_error = clip(e.error_message);
        log_failure(job_error, std::nullopt, {}, true);
      } else {
        job_error.clear();
      }
      return true;
    default: break;
  }
  if (job_status == RunStatus::not_started) job_status = RunStatus::in_progress;

  const bool partition_event = e.type >= EventType::partition_creation_start && e.type <= EventType::checkpoint_load;
  if (!partition_event) return true;
  PartitionState* p = partition(e);
  if (p == nullptr) return !e.partition_id;  // no id: nothing to attribute; out of bounds: report
  if (e.sample_count) p->sample_count = *e.sample_count;
  switch (e.type) {
    case EventType::partition_creation_start:
      p->creation_start_time = t;
      return true;
    case EventType::partition_creation_complete:
      ++created_partitions;
      p->creation_end_time = t;
      return true;
    case EventType::partition_start:
    case EventType::partition_resume:
      // A writer that resumes without a job_start: the first resume starts the run.
      if (e.type == EventType::partition_resume && !run_open_ && !run_marked_) mark_run_start(e);
      set_partition_status(*p, RunStatus::in_progress);
      if (e.type == EventType::partition_start || std::isnan(p->start_time)) p->start_time = t;
      p->end_time = no_time;
      p->error_message.clear();
      return true;
    case EventType::partition_complete: {
      p->end_time = t;
      // The op that failed in it, if any: its message explains the partition's failure.
      const OpState* failed_op = nullptr;
      for (const auto& [idx, op] : p->ops)
        if (op.status == RunStatus::failed) failed_op = &op;
      // Current writers may send no success flag: a failed op still fails the partition.
      if (e.success == Tri::no || (e.success == Tri::unset && failed_op != nullptr)) {
        set_partition_status(*p, RunStatus::failed);
        if (!e.error_message.empty()) p->error_message = clip(e.error_message);
        else if (failed_op != nullptr && failed_op->error != 0) p->error_message = op_errors[failed_op->error - 1];
        else p->error_message = "partition_complete reported success=false";
        log_failure(p->error_message, e.partition_id, {}, false);
      } else {
        set_partition_status(*p, RunStatus::completed);
        p->error_message.clear();
        if (e.timestamp) partition_history.add(*e.timestamp, static_cast<double>(completed_parts));
      }
      return true;
    }
    case EventType::partition_failed:
      set_partition_status(*p, RunStatus::failed);
      p->end_time = t;
      p->error_message = clip(e.error_message);
      log_failure(p->error_message, e.partition_id, {}, false);
      if (e.retry_count) p->retry_count = *e.retry_count;
      return true;
    default: break;
  }

  const auto [idx, op] = operation(*p, e);
  if (op == nullptr) return !(e.operation_idx || !e.operation_name.empty());
  switch (e.type) {
    case EventType::op_start:
      set_op_status(*op, RunStatus::in_progress);
      op->start_time = t;
      op->end_time = op->duration = no_time;
      op->duration_source = DurationSource::none;
      p->current_op = idx;
      if (p->status != RunStatus::in_progress) {
        set_partition_status(*p, RunStatus::in_progress);
        p->end_time = no_time;
        p->error_message.clear();
        if (std::isnan(p->start_time)) p->start_time = t;
      }
      break;
    case EventType::op_complete:
      set_op_status(*op, RunStatus::completed);
      op->end_time = t;
      set_duration(*op, e, t);
      if (p->status == RunStatus::not_started) set_partition_status(*p, RunStatus::in_progress);
      if (e.timestamp) history.add(*e.timestamp, static_cast<double>(completed_ops));
      break;
    case EventType::op_failed:
      set_op_status(*op, RunStatus::failed);
      op->end_time = t;
      if (op->error != 0) op_errors[op->error - 1] = clip(e.error_message);
      else op->error = add_error(e.error_message);
      if (e.retry_count) p->retry_count = *e.retry_count;
      log_failure(op_errors[op->error - 1], e.partition_id, operation_names[idx], false);
      break;
    case EventType::checkpoint_save:
    case EventType::checkpoint_load:
      op->checkpointed = true;
      if (!std::isnan(t) && (std::isnan(op->checkpoint_time) || t > op->checkpoint_time)) op->checkpoint_time = t;
      // A checkpoint exists only for an op that ran to the end.
      if (op->status == RunStatus::not_started) set_op_status(*op, RunStatus::completed);
      if (e.timestamp && (!last_checkpoint_time || *e.timestamp > *last_checkpoint_time))
        last_checkpoint_time = e.timestamp;
      break;
    default: break;
  }
  return true;
}

}  // namespace jobmon::detail

namespace jobmon {

std::string_view to_string(DurationSource source) {
  switch (source) {
    case DurationSource::written: return "written";
    case DurationSource::timestamps: return "timestamps";
    case DurationSource::none: break;
  }
  return "none";
}

}  // namespace jobmon
