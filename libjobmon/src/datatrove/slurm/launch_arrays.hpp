// Which Slurm arrays run a job's current launch, and which ranks each of
// their tasks runs. Private to libjobmon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/scheduler/scheduler_query.hpp"

namespace jobmon::detail {

// An answer's look-ups for many jobs, built once per refresh: each job then
// costs its own tasks, not the whole queue.
struct AnswerIndex {
  struct Queued {
    std::string array_job_id, stdout_dir;
    std::optional<double> submit_time;
    std::vector<std::string> afterok;  // datatrove's merge job: afterok on its launch's arrays
  };
  std::unordered_set<std::string> array_ids;                       // every array or job id with a row
  std::unordered_map<std::string, std::vector<Queued>> live_by_name;  // live tasks by job name (one per array)
  std::unordered_map<std::string, std::vector<const SchedulerTask*>> dependents;  // by the id depended on
};
AnswerIndex index_answer(const SchedulerAnswer& answer);

struct LaunchArray {
  std::string id;
  std::int64_t offset = 0;  // the launch's task number of its index 0 (arrays split at max_array_size)
  std::int64_t tasks = 0;   // its indices are 0 .. tasks-1
  bool known_to_scheduler = false;  // squeue or sacct has a row of it
  std::vector<std::pair<std::int64_t, std::string>> logs;  // index -> slurm log path, by index

  const std::string* log_of(std::int64_t index) const;
};

struct LaunchArrays {
  std::vector<LaunchArray> current;      // by id, numerically
  std::vector<std::string> earlier_ids;  // arrays whose logs predate the launch
  std::int64_t tasks_per_job = 1;
  // False when ranks_to_run.json exists but could not be read: the arrays
  // are known, their tasks are not mapped to ranks (tasks = 0).
  bool mapped = true;

  std::vector<std::string> current_ids() const;
  // The ranks task `index` of `array` runs, in order (ranks_to_run, or rank
  // = task number when the launch wrote none).
  std::vector<std::int64_t> ranks_of(const JobState& job, const LaunchArray& array, std::int64_t index) const;
};

// An array is of the current launch when one of its logs was written after
// the launch (ranks_to_run.json or executor.json written, less a minute), or
// when the scheduler queues it under the job's name with its output in the
// job's slurm logs dir, submitted since the launch (submitted, nothing
// started yet), and not depending on an array of this job (datatrove's merge
// job). A launch split at max_array_size gives array k (in id order) tasks
// k*max_array_size onwards, each at most max_array_size of them.
LaunchArrays launch_arrays(const JobState& job, const AnswerIndex* index);

// join_job_scheduling with an index built once for many jobs.
JobScheduling join_job_scheduling(const JobState& job, const std::shared_ptr<const SchedulerAnswer>& answer,
                                  const AnswerIndex& index);

// The ids an `afterok:` dependency names ("afterok:34_*(unfulfilled),afterany:35"
// -> 34). datatrove chains the arrays of one launch with afterany and waits
// for them all with afterok in its merge job.
std::vector<std::string> afterok_ids(std::string_view dependency);

// Numeric order of Slurm ids: "9" before "10".
bool slurm_id_less(const std::string& a, const std::string& b);

}  // namespace jobmon::detail
