// One task per (array, index) from squeue's and sacct's rows.
#include "scheduler/slurm/slurm_join.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <utility>

namespace jobmon::detail {
namespace {

// Sorts numerically by array id, then index (a job that is not an array first).
struct TaskKey {
  std::string array_job_id;
  std::int64_t index = -1;
  bool operator<(const TaskKey& o) const {
    if (array_job_id.size() != o.array_job_id.size()) return array_job_id.size() < o.array_job_id.size();
    if (array_job_id != o.array_job_id) return array_job_id < o.array_job_id;
    return index < o.index;
  }
};

struct Entry {
  SchedulerTask task;
  bool from_range = false;
};

struct Keyed {
  TaskKey key;
  Entry entry;
};

bool key_less(const Keyed& a, const Keyed& b) { return a.key < b.key; }
bool same_key(const Keyed& a, const Keyed& b) { return !(a.key < b.key) && !(b.key < a.key); }

// Stably sorted by key. Slurm mostly answers in order already; otherwise the
// order is worked out on indices and each row moved once (a row is a whole
// SchedulerTask: a merge sort would move each many times).
void sort_by_key(std::vector<Keyed>& rows) {
  if (std::is_sorted(rows.begin(), rows.end(), key_less)) return;
  std::vector<std::size_t> order(rows.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rows[a].key < rows[b].key; });
  std::vector<Keyed> sorted;
  sorted.reserve(rows.size());
  for (const std::size_t i : order) sorted.push_back(std::move(rows[i]));
  rows = std::move(sorted);
}

// Rows as one task per key, sorted by key: the last real row of a key, else
// the first range row naming its index (a range row stands for the indices
// no real row names). The rows are consumed.
std::vector<Keyed> by_task(std::vector<SlurmRow>&& rows) {
  std::vector<Keyed> real, ranged;
  real.reserve(rows.size());
  for (auto& row : rows) {
    if (row.is_range) continue;
    TaskKey key{row.task.array_job_id, row.task.array_task_index.value_or(-1)};
    real.push_back({std::move(key), {std::move(row.task), false}});
  }
  sort_by_key(real);
  // Of rows with one key the last counts: keep each run's last element.
  std::size_t kept = 0;
  for (std::size_t i = 0; i < real.size(); ++i) {
    if (i + 1 < real.size() && same_key(real[i], real[i + 1])) continue;
    if (kept != i) real[kept] = std::move(real[i]);
    ++kept;
  }
  real.resize(kept);
  for (const auto& row : rows) {
    if (!row.is_range) continue;
    for (const std::int64_t i : row.range) {
      Entry e{row.task, true};
      e.task.array_task_index = i;
      e.task.job_id.clear();  // a range row's id is the array's record, not this task's
      if (!row.output_pattern.empty()) e.task.stdout_path = expand_output_pattern(row.output_pattern, e.task, row.user, row.workdir);
      ranged.push_back({TaskKey{row.task.array_job_id, i}, std::move(e)});
    }
  }
  if (ranged.empty()) return real;
  sort_by_key(ranged);
  ranged.erase(std::unique(ranged.begin(), ranged.end(), same_key), ranged.end());  // the first counts
  std::vector<Keyed> out;
  out.reserve(real.size() + ranged.size());
  auto r = real.begin();
  for (auto& g : ranged) {
    while (r != real.end() && r->key < g.key) out.push_back(std::move(*r++));
    if (r != real.end() && !(g.key < r->key)) continue;  // a real row names it
    out.push_back(std::move(g));
  }
  while (r != real.end()) out.push_back(std::move(*r++));
  return out;
}

// Fills what `into` does not know from `from`.
void fill_missing(SchedulerTask& into, const SchedulerTask& from) {
  if (into.job_id.empty()) into.job_id = from.job_id;
  if (!into.exit_code) into.exit_code = from.exit_code;
  if (!into.signal) into.signal = from.signal;
  if (!into.submit_time) into.submit_time = from.submit_time;
  if (!into.start_time) into.start_time = from.start_time;
  if (!into.end_time) into.end_time = from.end_time;
  if (!into.time_limit_seconds) into.time_limit_seconds = from.time_limit_seconds;
  if (into.node.empty()) into.node = from.node;
  if (into.stdout_path.empty()) into.stdout_path = from.stdout_path;
  if (into.name.empty()) into.name = from.name;
  if (into.dependency.empty()) into.dependency = from.dependency;
}

bool names_any(const SchedulerTask& t, const std::set<std::string, std::less<>>& ids) {
  if (ids.count(t.array_job_id) || ids.count(t.job_id)) return true;
  for (const auto& dep : dependency_job_ids(t.dependency)) {
    if (ids.count(dep)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> job_ids_named(const std::vector<SlurmRow>& squeue, const std::vector<std::string>& names) {
  const std::set<std::string, std::less<>> wanted(names.begin(), names.end());
  std::set<std::string> found;
  if (wanted.empty()) return {};
  for (const auto& row : squeue) {
    if (wanted.count(row.task.name)) found.insert(row.task.array_job_id);
  }
  return {found.begin(), found.end()};
}

std::vector<std::string> dependent_job_ids(const std::vector<SlurmRow>& squeue, const std::vector<std::string>& ids) {
  const std::set<std::string, std::less<>> asked(ids.begin(), ids.end());
  std::set<std::string> found;
  for (const auto& row : squeue) {
    for (const auto& dep : dependency_job_ids(row.task.dependency)) {
      if (asked.count(dep) && !asked.count(row.task.array_job_id)) found.insert(row.task.array_job_id);
    }
  }
  return {found.begin(), found.end()};
}

std::vector<SchedulerTask> join_slurm_rows(std::vector<SlurmRow> squeue, bool squeue_answered, std::vector<SlurmRow> sacct,
                                           const std::vector<std::string>& ids, double now) {
  std::set<std::string, std::less<>> wanted(ids.begin(), ids.end());
  for (const auto& id : dependent_job_ids(squeue, ids)) wanted.insert(id);
  std::vector<Keyed> queue = by_task(std::move(squeue));
  std::vector<Keyed> accounting = by_task(std::move(sacct));

  // Both sorted by key: merged in one walk.
  std::vector<std::pair<TaskKey, SchedulerTask>> joined;
  joined.reserve(std::max(queue.size(), accounting.size()));
  auto q = queue.begin();
  auto add_queued_before = [&](const TaskKey* key) {  // squeue's tasks up to `key` (all when null)
    for (; q != queue.end() && (key == nullptr || q->key < *key); ++q) {
      if (names_any(q->entry.task, wanted)) joined.emplace_back(std::move(q->key), std::move(q->entry.task));
    }
  };
  for (auto& [key, a] : accounting) {
    add_queued_before(&key);
    SchedulerTask* queued = nullptr;
    if (q != queue.end() && !(key < q->key)) {  // squeue has this task too
      if (names_any(q->entry.task, wanted)) {
        joined.emplace_back(std::move(q->key), std::move(q->entry.task));
        queued = &joined.back().second;
      }
      ++q;
    }
    if (queued == nullptr) {
      if (!names_any(a.task, wanted)) continue;
      SchedulerTask t = std::move(a.task);
      if (squeue_answered && is_live(t.state)) {
        // squeue lists every live job: sacct's word is stale. A pending range
        // index squeue dropped was cancelled before it ever ran.
        t.reason = "sacct says " + t.slurm_state + "; squeue no longer lists it";
        t.state = a.from_range && t.state == TaskState::pending ? TaskState::never_scheduled : TaskState::unknown;
      }
      joined.emplace_back(std::move(key), std::move(t));
      continue;
    }
    SchedulerTask& qt = *queued;
    if (!is_live(qt.state) && !is_live(a.task.state) && !a.from_range) {
      // Both say it ended: sacct knows the steps (OUT_OF_MEMORY on .0).
      SchedulerTask t = std::move(a.task);
      fill_missing(t, qt);
      t.source = "squeue+sacct";
      qt = std::move(t);
    } else {
      fill_missing(qt, a.task);
      qt.source = "squeue+sacct";
    }
  }
  add_queued_before(nullptr);

  std::vector<SchedulerTask> out;
  out.reserve(joined.size());
  for (auto& [key, t] : joined) {
    if (t.state == TaskState::never_scheduled) {
      t.start_time.reset();  // squeue writes the cancel time as the start of a task that never ran
      t.elapsed_seconds.reset();
    }
    if (!t.elapsed_seconds && t.start_time) {
      if (t.end_time && !is_live(t.state)) t.elapsed_seconds = std::max(0.0, *t.end_time - *t.start_time);
      else if (t.state == TaskState::running) t.elapsed_seconds = std::max(0.0, now - *t.start_time);
    }
    if (t.state == TaskState::running && t.start_time) t.elapsed_seconds = std::max(0.0, now - *t.start_time);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace jobmon::detail
