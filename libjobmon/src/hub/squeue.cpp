// A job's liveness from the scheduler room's query: the job is gone when the
// scheduler says its task(s) ended, not when a bare `squeue -j` prints nothing
// (which it also does for an id past MinJobAge, or after a hiccup).
#include "jobmon/hub/squeue.hpp"

#include <charconv>
#include <optional>
#include <string>

namespace jobmon {

namespace {

// "34_7" -> ("34", 7); "34" -> ("34", nothing).
std::pair<std::string, std::optional<std::int64_t>> split_job_id(const std::string& job_id) {
  const std::size_t underscore = job_id.find('_');
  if (underscore == std::string::npos) return {job_id, std::nullopt};
  std::int64_t index = 0;
  const char* first = job_id.data() + underscore + 1;
  const char* last = job_id.data() + job_id.size();
  const auto [end, ec] = std::from_chars(first, last, index);
  if (ec != std::errc() || end != last || first == last) return {job_id, std::nullopt};
  return {job_id.substr(0, underscore), index};
}

}  // namespace

std::optional<bool> scheduler_job_live(SchedulerQuery& query, const std::string& job_id, double now) {
  const auto [base, index] = split_job_id(job_id);
  const SchedulerAnswer answer = query.query({base}, now);
  if (!answer.available) return std::nullopt;
  bool known = false;
  for (const SchedulerTask& task : answer.tasks) {
    // The job itself, each task of the array, or (for a raw id) the task with that id.
    const bool ours = index ? task.array_job_id == base && task.array_task_index == index
                            : task.array_job_id == base || task.job_id == base;
    if (!ours) continue;
    known = true;
    if (is_live(task.state) || task.state == TaskState::unknown) return true;  // unknown: no reason to stop
  }
  if (known) return false;
  // Unknown to an answer that had trouble: it may only be the trouble.
  if (!answer.problems.empty()) return std::nullopt;
  return false;
}

}  // namespace jobmon
