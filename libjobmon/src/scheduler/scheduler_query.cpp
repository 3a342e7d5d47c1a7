// The choice of scheduler, the answer's look-ups, and the query that knows none.
#include "jobmon/scheduler/scheduler_query.hpp"

#include <algorithm>
#include <tuple>
#include <type_traits>
#include <utility>

#include "core/system/subprocess.hpp"
#include "jobmon/scheduler/slurm_query.hpp"
#include "scheduler/background_query.hpp"
#include "scheduler/slurm/slurm_rows.hpp"

namespace jobmon {
namespace {

// `none`, or `auto` without the scheduler's commands: every answer is "not available".
class NoScheduler final : public SchedulerQuery {
 public:
  std::string_view kind() const override { return "none"; }
  using SchedulerQuery::query;
  SchedulerAnswer query(const SchedulerRequest&, double now) override {
    SchedulerAnswer answer;
    answer.taken_at = now;
    return answer;
  }
};

}  // namespace

const char* to_string(SchedulerChoice choice) {
  switch (choice) {
    case SchedulerChoice::automatic: return "auto";
    case SchedulerChoice::slurm: return "slurm";
    case SchedulerChoice::none: return "none";
  }
  return "auto";
}

std::optional<SchedulerChoice> parse_scheduler_choice(std::string_view word) {
  for (const auto c : {SchedulerChoice::automatic, SchedulerChoice::slurm, SchedulerChoice::none}) {
    if (word == to_string(c)) return c;
  }
  return std::nullopt;
}

SchedulerRequest normalized(SchedulerRequest request) {
  for (auto* list : {&request.job_ids, &request.job_names}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  return request;
}

bool covers(const SchedulerRequest& asked, const SchedulerRequest& wanted) {
  return std::includes(asked.job_ids.begin(), asked.job_ids.end(), wanted.job_ids.begin(), wanted.job_ids.end()) &&
         std::includes(asked.job_names.begin(), asked.job_names.end(), wanted.job_names.begin(),
                       wanted.job_names.end());
}

const SchedulerTask* SchedulerAnswer::find(std::string_view array_job_id, std::optional<std::int64_t> index) const {
  // tasks are sorted by (id length, id, index or -1): numeric order of the ids.
  const auto key = [](std::string_view id, std::int64_t i) { return std::make_tuple(id.size(), id, i); };
  const auto wanted = key(array_job_id, index.value_or(-1));
  const auto it = std::lower_bound(tasks.begin(), tasks.end(), wanted, [&](const SchedulerTask& t, const auto& w) {
    return key(t.array_job_id, t.array_task_index.value_or(-1)) < w;
  });
  if (it != tasks.end() && it->array_job_id == array_job_id && it->array_task_index == index) return &*it;
  // A raw id asked without an index: the task whose own id it is.
  if (!index) {
    for (const auto& t : tasks) {
      if (t.job_id == array_job_id) return &t;
    }
  }
  return nullptr;
}

std::span<const SchedulerTask> SchedulerAnswer::tasks_of(std::string_view array_job_id) const {
  // Sorted by (id length, id, index): one array's tasks lie together.
  const auto id_key = [](std::string_view id) { return std::make_pair(id.size(), id); };
  const auto range = std::equal_range(tasks.begin(), tasks.end(), id_key(array_job_id), [&](const auto& a, const auto& b) {
    if constexpr (std::is_same_v<std::decay_t<decltype(a)>, SchedulerTask>) {
      return id_key(a.array_job_id) < b;
    } else {
      return a < id_key(b.array_job_id);
    }
  });
  return {range.first, range.second};
}

std::vector<const SchedulerTask*> SchedulerAnswer::dependents_of(std::string_view job_id) const {
  std::vector<const SchedulerTask*> out;
  for (const auto& t : tasks) {
    const auto ids = detail::dependency_job_ids(t.dependency);
    if (std::find(ids.begin(), ids.end(), job_id) != ids.end()) out.push_back(&t);
  }
  return out;
}

std::unique_ptr<SchedulerQuery> make_scheduler_query(SchedulerChoice choice, const SchedulerOptions& options) {
  const bool slurm = choice == SchedulerChoice::slurm ||
                     (choice == SchedulerChoice::automatic && detail::program_on_path("squeue"));
  if (!slurm) return std::make_unique<NoScheduler>();
  SchedulerOptions slurm_options = options;
  if (choice == SchedulerChoice::automatic) slurm_options.unconfigured_is_absent = true;
  auto query = std::make_unique<SlurmQuery>(slurm_options);
  if (!options.ask_in_background) return query;
  return detail::ask_in_background(std::move(query), options.refresh_seconds);
}

}  // namespace jobmon
