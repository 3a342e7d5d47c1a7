// The rows Slurm's answers give, read into one shape whatever the form
// (squeue/sacct, --json or parsable text), before they are joined per task.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/scheduler/scheduler_task.hpp"

namespace jobmon::detail {

struct SlurmRow {
  SchedulerTask task;  // what the row says (array_task_index unset on a range row)
  // A row that stands for several array tasks: squeue's pending array record
  // (`34_[3-5]`) or sacct's range row of a cancelled array. Its indices.
  std::vector<std::int64_t> range;
  bool is_range = false;
  std::string workdir;  // to place a relative StdOut
  // A range row's StdOut pattern and user, expanded per index when the row
  // is split into tasks (squeue --json gives the pattern, not a path).
  std::string output_pattern, user;
};

struct SlurmRows {
  std::vector<SlurmRow> rows;
  std::string problem;  // why the text could not be read; rows then empty
};

// Slurm's state word ("CANCELLED by 0", "TIMEOUT", "PENDING") as a TaskState.
// `ran`: the task had a node and a start (a cancelled one that never ran is
// never_scheduled).
TaskState slurm_task_state(std::string_view word, bool ran);

// squeue's start of a waiting task and end of a live one are forecasts: dropped.
void drop_queue_forecasts(SchedulerTask& task);

// Array index lists as Slurm writes them: "0,2-3", "[3-5]", "0-9%2" (a
// throttle), "1-7:2" (a step), or sacct's hex bitmap "0xD" (bit i = index i).
// At most `cap` indices; an unreadable list gives none.
std::vector<std::int64_t> parse_array_indices(std::string_view text, std::size_t cap = 1'000'000);

// The job ids a dependency names: "afterok:34_*(unfulfilled),afterany:35" -> 34, 35.
std::vector<std::string> dependency_job_ids(std::string_view dependency);

// sbatch's output pattern filled in for a task: %A %a %j %J %x %u %N %n %t %s %%,
// with zero padding ("%3a"), relative to the working directory.
std::string expand_output_pattern(std::string_view pattern, const SchedulerTask& task, std::string_view user,
                                  std::string_view workdir);

// "1-02:03:04", "02:03:04", "03:04", "45" -> seconds; "UNLIMITED", "Partition_Limit", "N/A" -> none.
std::optional<double> parse_slurm_duration(std::string_view text);
// "2026-12-06T18:27:14" in the cluster's local time -> epoch seconds; "None", "Unknown", "N/A" -> none.
std::optional<double> parse_slurm_time(std::string_view text);

}  // namespace jobmon::detail
