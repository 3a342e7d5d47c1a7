// squeue's and sacct's rows joined into one task each, for the jobs asked about.
#pragma once

#include <string>
#include <vector>

#include "scheduler/slurm/slurm_rows.hpp"

namespace jobmon::detail {

// Rules: a range row stands for the indices no real row names; squeue wins
// while it says the task is live (sacct lags squeue), sacct wins once both
// say it ended (its steps know OUT_OF_MEMORY); when squeue answered and no
// longer lists a task that sacct calls live, sacct's word is stale (a pending
// range index becomes never_scheduled, anything else unknown). Kept: tasks of
// the ids asked about and of jobs whose dependency names one of them.
// Sorted by (array id as a number, index). The rows are taken (move them in).
std::vector<SchedulerTask> join_slurm_rows(std::vector<SlurmRow> squeue, bool squeue_answered, std::vector<SlurmRow> sacct,
                                           const std::vector<std::string>& ids, double now);

// The array ids of squeue's jobs named one of `names` (sorted).
std::vector<std::string> job_ids_named(const std::vector<SlurmRow>& squeue, const std::vector<std::string>& names);

// The ids of squeue's jobs that depend on one of `ids` (for sacct's -j list).
std::vector<std::string> dependent_job_ids(const std::vector<SlurmRow>& squeue, const std::vector<std::string>& ids);

}  // namespace jobmon::detail
