// EventState: the state machine that folds events, in stream order, into
// per-job, per-partition and per-operation state. The latest event about a
// partition or an operation wins, so a resumed run re-running ops does not
// double count; counts are derived from the state, never incremented per event.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"
#include "jobmon/eta.hpp"

namespace jobmon::detail {

// Ids a line may name (others are out_of_range: counted and listed in
// skipped_lines, never stored), and the most partitions a plan or job_start
// may claim. The state is sparse (maps by id), so an id costs only its own
// entry: one line naming partition 2^20 - 1 or op 4095 costs one entry.
inline constexpr std::int64_t max_partitions = 1 << 20;
inline constexpr std::int64_t max_operations = 4096;
// Partition-operation cells in all (~100 bytes each): a backstop, reached
// only by millions of lines.
inline constexpr std::size_t max_op_cells = std::size_t{1} << 22;
inline constexpr std::size_t max_error_length = 2000;

// A downsampled history of (time, completed partition-operations) for the
// ETA: at most `capacity` samples, halving its resolution when full.
class ProgressHistory {
 public:
  static constexpr std::size_t capacity = 512;
  void add(double time, double done);
  const std::vector<EtaSample>& samples() const { return samples_; }

 private:
  std::vector<EtaSample> samples_;
  std::size_t stride_ = 1, skipped_ = 0;
};

// Adds one failure to `groups` (identical messages share a group, which
// keeps where they hit); at most max_groups groups, then only counted.
void add_to_failure_groups(std::vector<FailureGroup>& groups, std::int64_t run, std::string_view message,
                           std::optional<std::int64_t> partition_id, std::string_view operation_name, bool job_level);
inline constexpr std::size_t max_failure_groups = 100;

class EventState {
 public:
  // Called before the first event of each events file (a run boundary).
  void begin_file();
  // Returns false when the event names a partition or operation beyond the bounds.
  bool apply(const Event& event);

  // Job level
  std::optional<double> start_time, end_time, last_event_time, last_checkpoint_time;
  RunStatus job_status = RunStatus::not_started;
  bool job_terminal = false;  // the last job-level event was job_complete / job_failed
  std::string job_id, executor_type, checkpoint_strategy, job_error;
  std::optional<std::int64_t> num_partitions;  // first job_start's metadata.num_partitions
  std::int64_t created_partitions = 0;         // partition_creation_complete events (older writers)
  std::int64_t runs = 0, restarts = 0;
  // When the current run started (its job_restart, the job_start that opened
  // it, or a partition_resume with no job_start before it) and what was done
  // then: a resumed job's pace counts from here, never from an earlier run.
  std::optional<double> run_start_time;
  std::int64_t run_start_ops = 0, run_start_parts = 0;
  std::uint64_t events = 0;  // counted by the caller, for events apply() accepted

  // Only those events named, in the order first named (summarize sorts them);
  // found by id through partition_slot, once per event.
  std::vector<std::pair<std::int64_t, PartitionState>> partitions;
  std::unordered_map<std::int64_t, std::uint32_t> partition_slot;
  std::size_t op_cells = 0;  // sum of the partitions' ops.size()
  IdMap<std::string> operation_names;
  std::vector<std::string> op_errors;
  std::int64_t completed_ops = 0;  // live count, for the ETA history
  ProgressHistory history;
  // Completed partitions over time: the ETA of a job whose events name
  // partitions only (no op events).
  std::int64_t completed_parts = 0;
  ProgressHistory partition_history;
  // Every failure as it happened, grouped by run and message: those of runs
  // before the last one are the job's failure history.
  std::vector<FailureGroup> failure_log;

 private:
  PartitionState* partition(const Event& event);
  // The op an event names, with its operation_idx.
  std::pair<std::int64_t, OpState*> operation(PartitionState& p, const Event& event);
  void set_op_status(OpState& op, RunStatus status);
  void set_partition_status(PartitionState& p, RunStatus status);
  void log_failure(std::string_view message, std::optional<std::int64_t> partition_id, std::string_view op_name,
                   bool job_level);
  std::uint32_t add_error(std::string_view message);
  void mark_run_start(const Event& event);

  bool run_open_ = false;
  bool previous_was_job_start_ = false;  // writers emit job_start in pairs
  bool previous_was_restart_ = false;    // and job_restart just before a resume's job_start
  bool run_marked_ = false;              // run_start_time is this run's
};

}  // namespace jobmon::detail
