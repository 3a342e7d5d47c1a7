// Failures told once per message: the same traceback reaches the op, its
// partition and the job; a reader wants it once, with where it hit. The
// failures of earlier runs of a resumed job are kept apart, as history.
#include <algorithm>

#include "datajuicer/snapshot_summary.hpp"

namespace jobmon::detail {
namespace {

constexpr std::size_t max_listed_names = 50;

template <class T>
void add_distinct(std::vector<T>& items, const T& item, std::size_t max) {
  if (std::find(items.begin(), items.end(), item) == items.end() && items.size() < max) items.push_back(item);
}

}  // namespace

void add_to_failure_groups(std::vector<FailureGroup>& groups, std::int64_t run, std::string_view message,
                           std::optional<std::int64_t> partition_id, std::string_view operation_name, bool job_level) {
  auto group = std::find_if(groups.begin(), groups.end(),
                            [&](const FailureGroup& g) { return g.run == run && g.message == message; });
  if (group == groups.end()) {
    if (groups.size() >= max_failure_groups) return;
    groups.emplace_back();
    group = groups.end() - 1;
    group->message = std::string(message);
    group->run = run;
  }
  ++group->occurrences;
  group->job_level = group->job_level || job_level;
  if (partition_id) {
    auto& ids = group->partition_ids;
    const auto at = std::lower_bound(ids.begin(), ids.end(), *partition_id);
    if ((at == ids.end() || *at != *partition_id) && ids.size() < FailureGroup::max_listed_ids) ids.insert(at, *partition_id);
  }
  if (!operation_name.empty()) add_distinct(group->operation_names, std::string(operation_name), max_listed_names);
}

void group_failures(Snapshot& s, const EventState& state) {
  const std::int64_t run = std::max<std::int64_t>(state.runs, 1);
  if (s.overall_status == RunStatus::failed && !s.error_message.empty())
    add_to_failure_groups(s.failure_groups, run, s.error_message, std::nullopt, {}, true);
  for (const auto& [id, p] : s.partitions) {
    if (p.status == RunStatus::failed) add_to_failure_groups(s.failure_groups, run, p.error_message, id, {}, false);
    for (const auto& [idx, op] : p.ops) {
      if (op.status != RunStatus::failed) continue;
      const auto name = s.operation_names.find(idx);
      add_to_failure_groups(s.failure_groups, run, op.error != 0 ? s.op_errors[op.error - 1] : std::string(), id,
                            name != s.operation_names.end() ? std::string_view(name->second) : std::string_view(),
                            false);
    }
  }
  for (const FailureGroup& g : state.failure_log)
    if (g.run < run) s.earlier_failure_groups.push_back(g);
}

}  // namespace jobmon::detail
