// Arrays of the current launch, from slurm log names and the scheduler's queue.
#include "datatrove/slurm/launch_arrays.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/text/text.hpp"

namespace jobmon::detail {
namespace {

// Logs written this long before the launch still count as its own (a copy
// or a slow filesystem writes executor.json and the first logs together).
constexpr double launch_margin_seconds = 60;
// Clock skew allowed between the logging dir's file server and slurmctld.
constexpr double submit_skew_seconds = 30;

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

}  // namespace

AnswerIndex index_answer(const SchedulerAnswer& answer) {
  AnswerIndex index;
  std::string last_live;  // tasks come sorted by array: one entry per array and name
  for (const auto& t : answer.tasks) {
    index.array_ids.insert(t.array_job_id);
    if (t.submit_time) {
      auto [it, fresh] = index.submitted.emplace(t.array_job_id, *t.submit_time);
      if (!fresh && *t.submit_time < it->second) it->second = *t.submit_time;
    }
    if (is_live(t.state) && !t.name.empty() && t.array_job_id != last_live) {
      index.live_by_name[t.name].push_back(
          {t.array_job_id, without_trailing_slash(dir_of(t.stdout_path)), t.submit_time, afterok_ids(t.dependency)});
      last_live = t.array_job_id;
    }
    for (const auto& id : depended_on_ids(t)) index.dependents[id].push_back(&t);
  }
  return index;
}

std::vector<std::string> afterok_ids(std::string_view dependency) {
  std::vector<std::string> out;
  bool in_afterok = false;
  std::size_t i = 0;
  while (i < dependency.size()) {
    // Segments: "type:id[_*][(state)][:id...]" joined by ',' or '?'.
    const std::size_t end = dependency.find_first_of(",?", i);
    std::string_view part = dependency.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    if (const auto colon = part.find(':'); colon != std::string_view::npos && !std::isdigit(static_cast<unsigned char>(part[0]))) {
      in_afterok = part.substr(0, colon) == "afterok";
      part.remove_prefix(colon + 1);
    }
    if (in_afterok) {
      for (std::size_t k = 0; k <= part.size();) {
        const std::size_t stop = part.find(':', k);
        std::string_view id = part.substr(k, stop == std::string_view::npos ? std::string_view::npos : stop - k);
        std::size_t digits = 0;
        while (digits < id.size() && std::isdigit(static_cast<unsigned char>(id[digits]))) ++digits;
        if (digits > 0) out.emplace_back(id.substr(0, digits));
        if (stop == std::string_view::npos) break;
        k = stop + 1;
      }
    }
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return out;
}

bool slurm_id_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

const std::string* LaunchArray::log_of(std::int64_t index) const {
  const auto it = std::lower_bound(logs.begin(), logs.end(), index,
                                   [](const auto& entry, std::int64_t i) { return entry.first < i; });
  return it != logs.end() && it->first == index ? &it->second : nullptr;
}

std::vector<std::string> LaunchArrays::current_ids() const {
  std::vector<std::string> ids;
  for (const auto& a : current) ids.push_back(a.id);
  return ids;
}

std::vector<std::int64_t> LaunchArrays::ranks_of(const JobState& job, const LaunchArray& array, std::int64_t index) const {
  std::vector<std::int64_t> ranks;
  const std::int64_t task = array.offset + index;
  const SlurmLaunch& s = job.slurm;
  const std::int64_t count = s.has_ranks_to_run ? static_cast<std::int64_t>(s.ranks_to_run.size()) : job.world_size;
  for (std::int64_t i = task * tasks_per_job; i < (task + 1) * tasks_per_job && i < count; ++i) {
    ranks.push_back(s.has_ranks_to_run ? s.ranks_to_run[static_cast<std::size_t>(i)] : i);
  }
  return ranks;
}

LaunchArrays launch_arrays(const JobState& job, const AnswerIndex* index) {
  LaunchArrays out;
  const SlurmLaunch& s = job.slurm;
  out.tasks_per_job = std::max<std::int64_t>(1, s.tasks_per_job);
  if (!s.launched_on_slurm) return out;
  std::optional<double> launch = job.launched_at;
  if (s.ranks_to_run_mtime && (!launch || *s.ranks_to_run_mtime > *launch)) launch = s.ranks_to_run_mtime;

  struct Seen {
    double newest_log = 0;
    bool queued_here = false;
    std::vector<std::pair<std::int64_t, std::string>> logs;
  };
  std::map<std::string, Seen, bool (*)(const std::string&, const std::string&)> arrays(slurm_id_less);
  for (const auto& log : s.logs) {
    Seen& a = arrays[log.array_job_id];
    a.newest_log = std::max(a.newest_log, log.mtime);
    a.logs.emplace_back(log.index, log.path);
  }
  std::vector<std::string> known;  // array ids the scheduler has rows of
  if (index != nullptr) {
    for (const auto& [id, seen] : arrays) {
      if (index->array_ids.count(id)) known.push_back(id);
    }
    // Submitted and not started: no log names it yet, the queue does.
    const auto named = s.job_name.empty() ? index->live_by_name.end() : index->live_by_name.find(s.job_name);
    if (named != index->live_by_name.end()) {
      const std::string logs_dir = without_trailing_slash(s.logs_dir);
      std::set<std::string> candidates, ours;
      for (const auto& [id, seen] : arrays) ours.insert(id);
      for (const auto& q : named->second) candidates.insert(q.array_job_id);
      for (const auto& q : named->second) {
        if (q.stdout_dir != logs_dir || arrays.count(q.array_job_id)) continue;
        if (launch && q.submit_time && *q.submit_time < *launch - launch_margin_seconds) continue;  // an earlier launch's
        const bool merge_job = std::any_of(q.afterok.begin(), q.afterok.end(), [&](const std::string& id) {
          return ours.count(id) || candidates.count(id);
        });
        if (merge_job) continue;
        arrays[q.array_job_id].queued_here = true;
        known.push_back(q.array_job_id);
      }
    }
  }
  for (auto& [id, seen] : arrays) {
    bool current = seen.queued_here || !launch || seen.newest_log >= *launch - launch_margin_seconds;
    // datatrove submits after writing the launch files: an array submitted
    // well before them (more than clock skew between a file server and
    // slurmctld) belongs to an earlier launch, whatever its logs' times.
    if (current && launch && index != nullptr) {
      const auto submitted = index->submitted.find(id);
      if (submitted != index->submitted.end() && submitted->second < *launch - submit_skew_seconds) current = false;
    }
    if (!current) {
      out.earlier_ids.push_back(id);
      continue;
    }
    LaunchArray a;
    a.id = id;
    a.logs = std::move(seen.logs);
    std::sort(a.logs.begin(), a.logs.end());
    a.known_to_scheduler = std::find(known.begin(), known.end(), id) != known.end();
    out.current.push_back(std::move(a));
  }
  // Tasks of the launch, split into arrays of max_array_size in the order
  // submitted; an array never has more tasks than that (an array not seen
  // leaves its tasks unmapped, never called "never ran").
  out.mapped = !s.ranks_to_run_unreadable;
  const std::int64_t ranks = s.has_ranks_to_run ? static_cast<std::int64_t>(s.ranks_to_run.size()) : job.world_size;
  const std::int64_t tasks = out.mapped ? (ranks + out.tasks_per_job - 1) / out.tasks_per_job : 0;
  const std::int64_t chunk = s.max_array_size ? std::min(*s.max_array_size, std::max<std::int64_t>(tasks, 1)) : tasks;
  for (std::size_t k = 0; k < out.current.size(); ++k) {
    LaunchArray& a = out.current[k];
    a.offset = std::min(tasks, static_cast<std::int64_t>(k) * chunk);
    a.tasks = std::max<std::int64_t>(0, std::min(chunk, tasks - a.offset));
  }
  return out;
}

}  // namespace jobmon::detail
