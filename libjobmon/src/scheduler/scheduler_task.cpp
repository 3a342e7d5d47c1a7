// The task state words.
#include "jobmon/scheduler/scheduler_task.hpp"

#include <array>
#include <utility>

#include "scheduler/slurm/slurm_rows.hpp"

namespace jobmon {
namespace {

constexpr std::array<std::pair<TaskState, const char*>, 13> words{{
    {TaskState::pending, "pending"},
    {TaskState::running, "running"},
    {TaskState::suspended, "suspended"},
    {TaskState::completed, "completed"},
    {TaskState::failed, "failed"},
    {TaskState::timeout, "timeout"},
    {TaskState::out_of_memory, "out_of_memory"},
    {TaskState::cancelled, "cancelled"},
    {TaskState::node_fail, "node_fail"},
    {TaskState::preempted, "preempted"},
    {TaskState::requeued, "requeued"},
    {TaskState::never_scheduled, "never_scheduled"},
    {TaskState::unknown, "unknown"},
}};

}  // namespace

const char* to_string(TaskState state) {
  for (const auto& [s, word] : words) {
    if (s == state) return word;
  }
  return "unknown";
}

std::optional<TaskState> parse_task_state(std::string_view word) {
  for (const auto& [s, w] : words) {
    if (word == w) return s;
  }
  return std::nullopt;
}

bool is_live(TaskState state) {
  return state == TaskState::pending || state == TaskState::running || state == TaskState::suspended ||
         state == TaskState::requeued;
}

std::vector<std::string> depended_on_ids(const SchedulerTask& task) { return detail::dependency_job_ids(task.dependency); }

}  // namespace jobmon
