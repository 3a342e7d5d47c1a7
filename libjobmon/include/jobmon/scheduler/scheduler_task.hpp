// What a batch scheduler knows about one task of a job: the words jobmon
// shows (TaskState) and the details behind them. Filled by a SchedulerQuery
// (scheduler_query.hpp); the datatrove state model joins it to ranks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmon {

// One vocabulary for every scheduler. never_scheduled: it ended (cancelled)
// without ever starting, e.g. a pending array task cancelled, or the range
// row `34_[3-5]` a cancelled array leaves.
enum class TaskState {
  pending,
  running,
  suspended,
  completed,
  failed,
  timeout,
  out_of_memory,
  cancelled,
  node_fail,
  preempted,
  requeued,
  never_scheduled,
  unknown,
};

const char* to_string(TaskState state);
std::optional<TaskState> parse_task_state(std::string_view word);
// Still going (pending, running, suspended, requeued): the scheduler's
// queue, not its accounting, has the latest word on it.
bool is_live(TaskState state);

struct SchedulerTask {
  std::string array_job_id;                      // the array's base id ("34"); the job id itself when not an array
  std::optional<std::int64_t> array_task_index;  // 3; none for a job that is not an array task
  std::string job_id;                            // this task's own (raw) id, "37"; empty for a range row
  TaskState state = TaskState::unknown;
  std::string slurm_state;  // as the scheduler wrote it: "CANCELLED by 0", "TIMEOUT"
  std::string reason;       // why it waits ("JobHeldUser", "DependencyNeverSatisfied"); empty for none
  std::optional<int> exit_code;  // of the batch script
  std::optional<int> signal;     // that ended it
  std::optional<double> submit_time, start_time, end_time;  // epoch seconds
  std::optional<double> elapsed_seconds;                    // running: up to the answer's time
  std::optional<double> time_limit_seconds;
  std::string node;         // where it runs or ran ("node17"); empty when none
  std::string stdout_path;  // the file its output goes to, patterns expanded; empty when unknown
  std::string name;         // the job name
  std::string dependency;   // as squeue writes it, "afterok:34_*(unfulfilled)"
  std::string source;       // which answers it came from: "squeue", "sacct" or "squeue+sacct"
};

// The job ids a task's dependency names ("afterok:34_*(unfulfilled)" -> 34).
std::vector<std::string> depended_on_ids(const SchedulerTask& task);

}  // namespace jobmon
