// same_join_inputs: field by field, cheapest first.
#include "datatrove/slurm/join_inputs.hpp"

#include <algorithm>

namespace jobmon::detail {
namespace {

bool same_issue(const RankIssue& a, const RankIssue& b) {
  return a.rank == b.rank && a.state == b.state && a.earlier_attempt == b.earlier_attempt;
}

bool same_log(const SlurmLogFile& a, const SlurmLogFile& b) {
  return a.index == b.index && a.mtime == b.mtime && a.size == b.size && a.array_job_id == b.array_job_id &&
         a.path == b.path;
}

bool same_launch(const SlurmLaunch& a, const SlurmLaunch& b) {
  return a.launched_on_slurm == b.launched_on_slurm && a.tasks_per_job == b.tasks_per_job &&
         a.max_array_size == b.max_array_size && a.has_ranks_to_run == b.has_ranks_to_run &&
         a.ranks_to_run_unreadable == b.ranks_to_run_unreadable && a.ranks_to_run_mtime == b.ranks_to_run_mtime &&
         a.job_name == b.job_name && a.logs_dir == b.logs_dir && a.ranks_to_run == b.ranks_to_run &&
         std::equal(a.logs.begin(), a.logs.end(), b.logs.begin(), b.logs.end(), same_log);
}

}  // namespace

bool same_join_inputs(const JobState& a, const JobState& b) {
  if (&a == &b) return true;
  return a.path == b.path && a.world_size == b.world_size && a.completed == b.completed &&
         a.launched_at == b.launched_at && a.rank_counts.exact() == b.rank_counts.exact() &&
         a.rank_issues_truncated == b.rank_issues_truncated && a.done_ranks == b.done_ranks &&
         std::equal(a.rank_issues.begin(), a.rank_issues.end(), b.rank_issues.begin(), b.rank_issues.end(), same_issue) &&
         same_launch(a.slurm, b.slurm);
}

}  // namespace jobmon::detail
