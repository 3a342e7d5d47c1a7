// An id names a row as its array's id or as the row's own job id.
#include "scheduler/slurm/settled_accounting.hpp"

#include <set>
#include <string_view>

namespace jobmon::detail {
namespace {

// Ended for good in sacct's word: not live, and a state jobmon knows.
bool ended(const SlurmRow& row) { return !is_live(row.task.state) && row.task.state != TaskState::unknown; }

}  // namespace

QueuedIds ids_listed(const std::vector<SlurmRow>& queue) {
  QueuedIds ids;
  for (const auto& row : queue) {
    ids.insert(row.task.array_job_id);
    ids.insert(row.task.job_id);
  }
  return ids;
}

std::vector<std::string> SettledAccounting::to_ask(const std::vector<std::string>& ids,
                                                   const QueuedIds& queued, std::vector<SlurmRow>& served) {
  if (settled_.empty()) return ids;
  std::erase_if(settled_, [&](const auto& entry) { return queued.count(entry.first) > 0; });
  std::vector<std::string> ask;
  for (const auto& id : ids) {
    const auto it = settled_.find(id);
    if (it == settled_.end()) {
      ask.push_back(id);
      continue;
    }
    served.insert(served.end(), it->second.begin(), it->second.end());
  }
  return ask;
}

void SettledAccounting::learn(const std::vector<std::string>& asked, const std::vector<SlurmRow>& accounting,
                              const QueuedIds& queued) {
  // Only ids out of the queue can settle (mid-run arrays never do: skip the rows then).
  std::set<std::string_view> out_of_queue;
  for (const auto& id : asked) {
    if (!queued.count(id)) out_of_queue.insert(id);
  }
  if (out_of_queue.empty()) return;
  std::map<std::string_view, std::vector<const SlurmRow*>> rows_of;
  for (const auto& row : accounting) {
    if (out_of_queue.count(row.task.array_job_id)) rows_of[row.task.array_job_id].push_back(&row);
    if (row.task.job_id != row.task.array_job_id && out_of_queue.count(row.task.job_id))
      rows_of[row.task.job_id].push_back(&row);
  }
  for (const auto& id : out_of_queue) {
    const auto it = rows_of.find(id);
    if (it == rows_of.end()) continue;  // no word on it yet
    bool all_ended = true;
    for (const SlurmRow* row : it->second) all_ended = all_ended && ended(*row);
    if (!all_ended) continue;
    std::vector<SlurmRow>& kept = settled_[std::string(id)];
    kept.clear();
    for (const SlurmRow* row : it->second) kept.push_back(*row);
  }
}

void SettledAccounting::keep_only(const std::vector<std::string>& ids) {
  const std::set<std::string_view> wanted(ids.begin(), ids.end());
  std::erase_if(settled_, [&](const auto& entry) { return !wanted.count(entry.first); });
}

}  // namespace jobmon::detail
