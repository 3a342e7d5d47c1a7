// The relaunch that finishes a job, with the real numbers: which ranks, which
// array indices of the current launch, and the commands to run.
#include <algorithm>
#include <fmt/format.h>
#include <unordered_map>

#include "datatrove/slurm/launch_arrays.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/format.hpp"

namespace jobmon {
namespace {

// "3,10-12" from sorted, distinct numbers.
std::string ranges_text(const std::vector<std::int64_t>& sorted) {
  std::vector<RankRange> ranges;
  for (const std::int64_t n : sorted) {
    if (!ranges.empty() && ranges.back().last + 1 == n) ranges.back().last = n;
    else ranges.push_back({n, n});
  }
  return format_ranges(ranges);
}

bool needs_relaunch(std::string_view state) {
  return state != "running" && state != "pending" && state != "requeued" && state != "suspended" && state != "unknown";
}

}  // namespace

std::optional<RelaunchHint> relaunch_hint(const JobState& job, const JobScheduling* scheduling) {
  if (job.complete()) return std::nullopt;
  std::vector<std::int64_t> ranks;
  for (const RankIssue& issue : job.rank_issues) {
    if (!issue.earlier_attempt && (issue.state == RankState::failed || issue.state == RankState::finished_unmarked))
      ranks.push_back(issue.rank);
  }
  if (scheduling != nullptr) {
    for (const RankScheduling& r : scheduling->ranks) {
      if (needs_relaunch(r.state)) ranks.push_back(r.rank);
    }
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
  if (ranks.empty()) return std::nullopt;

  RelaunchHint hint;
  hint.ranks = ranges_text(ranks);
  const std::int64_t incomplete = job.world_size - job.completed;
  const std::int64_t still_going = incomplete - static_cast<std::int64_t>(ranks.size());
  const std::string rank_words = ranks.size() == 1 ? "rank " + hint.ranks : "ranks " + hint.ranks;
  hint.hint = fmt::format("{} will not finish without a relaunch", rank_words);
  if (still_going > 0) hint.hint += fmt::format(" ({} other incomplete ranks may still finish: relaunch once they have)", still_going);
  hint.hint += ". Re-run the pipeline with the same executor (skip_completed=True, the default): it launches only the ranks without a completion marker";
  if (!job.slurm.launched_on_slurm) return hint;

  // The launch's array indices of those ranks, when one array holds them all
  // from index 0 (a launch split into several arrays needs RUN_OFFSET).
  const detail::LaunchArrays arrays = detail::launch_arrays(job, nullptr);
  const detail::LaunchArray* first = nullptr;
  for (const auto& a : arrays.current) {
    if (a.offset == 0) first = &a;
  }
  const std::int64_t tasks = first != nullptr ? first->tasks : 0;
  // One array holding the whole launch, mapped, with a launch script on this machine.
  const bool whole_launch = first != nullptr && arrays.current.size() == 1 && first->offset == 0 &&
                            first->tasks * arrays.tasks_per_job >= static_cast<std::int64_t>(job.slurm.ranks_to_run.size());
  if (whole_launch && job.slurm.has_ranks_to_run && !job.path.starts_with("s3://")) {
    std::unordered_map<std::int64_t, std::int64_t> index_of;
    for (std::int64_t index = 0; index < tasks; ++index) {
      for (const std::int64_t rank : arrays.ranks_of(job, *first, index)) index_of.emplace(rank, index);
    }
    std::vector<std::int64_t> indices;
    bool all_mapped = true;
    for (const std::int64_t rank : ranks) {
      const auto it = index_of.find(rank);
      if (it == index_of.end()) all_mapped = false;
      else indices.push_back(it->second);
    }
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    if (all_mapped && !indices.empty()) {
      hint.array_indices = ranges_text(indices);
      hint.commands.push_back(fmt::format("sbatch --array={} {}", hint.array_indices,
                                          shell_quote(job.path + "/launch_script.slurm")));
      hint.hint += fmt::format("; or resubmit just {} of the launch script (array {} {}: ranks_to_run.json maps them; "
                               "stats.json is then not merged, which re-running the pipeline does)",
                               indices.size() == 1 ? "that task" : "those tasks", indices.size() == 1 ? "index" : "indices",
                               hint.array_indices);
    }
  }
  if (scheduling != nullptr && scheduling->merge_job && scheduling->merge_job->never_runs) {
    hint.hint += fmt::format(". The merge job {} waits on a failed task and will never run: scancel it; re-running the "
                             "pipeline submits a new one",
                             scheduling->merge_job->job_id);
    hint.commands.push_back("scancel " + scheduling->merge_job->job_id);
  }
  return hint;
}

}  // namespace jobmon
