// join_job_scheduling: array tasks mapped to ranks, each rank's fate decided
// from its task log and its task's scheduler state (rules: scheduler_join.hpp).
#include <algorithm>
#include <fmt/format.h>

#include "datatrove/slurm/launch_arrays.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/format.hpp"

namespace jobmon {
namespace {

using detail::AnswerIndex;
using detail::LaunchArrays;

const RankIssue* issue_of(const JobState& job, std::int64_t rank) {
  const auto it = std::lower_bound(job.rank_issues.begin(), job.rank_issues.end(), rank,
                                   [](const RankIssue& i, std::int64_t r) { return i.rank < r; });
  return it != job.rank_issues.end() && it->rank == rank ? &*it : nullptr;
}

bool is_done(const JobState& job, std::int64_t rank) {
  return std::binary_search(job.done_ranks.begin(), job.done_ranks.end(), rank);
}

// What the files say of a rank, as the word they would show.
const char* files_word(const RankIssue* issue) {
  if (issue == nullptr || issue->earlier_attempt) return "pending";
  return to_string(issue->state);
}

std::string task_name(const SchedulerTask& t) {
  return t.array_task_index ? fmt::format("{}_{}", t.array_job_id, *t.array_task_index) : t.job_id;
}

// The fate of one rank of task `t` (see RankScheduling).
void decide(RankScheduling& r, const RankIssue* issue, const SchedulerTask* t, std::int64_t first_waiting,
            bool no_trace_means_never_ran) {
  const std::string files = files_word(issue);
  r.started = issue != nullptr && !issue->earlier_attempt;
  if (files == "failed" || files == "finished_unmarked") {
    r.state = files;
    return;
  }
  if (t == nullptr) {
    if (no_trace_means_never_ran) {
      r.state = to_string(TaskState::never_scheduled);
      r.note = "no trace in squeue or sacct: its task was cancelled before it started";
    }
    return;  // else: no word; the files' word stands
  }
  const std::string name = task_name(*t);
  switch (t->state) {
    case TaskState::running:
      if (r.started) {
        r.state = "running";
      } else {
        r.state = "pending";
        r.note = first_waiting >= 0 && first_waiting != r.rank
                     ? fmt::format("waits in its running task {} behind rank {}", name, first_waiting)
                     : fmt::format("its task {} is running; the rank has not started yet", name);
      }
      return;
    case TaskState::pending:
    case TaskState::requeued:
    case TaskState::suspended:
      r.state = to_string(t->state);
      return;
    case TaskState::completed:
      r.state = "failed";
      r.note = fmt::format("its task {} ended with exit 0 but the rank left no completion marker", name);
      return;
    case TaskState::never_scheduled:
      r.state = to_string(t->state);
      return;
    case TaskState::unknown:
      r.state = to_string(t->state);
      return;
    default:  // failed, timeout, out_of_memory, cancelled, node_fail, preempted
      r.state = to_string(t->state);
      if (!r.started) r.note = fmt::format("never started: its task {} ended ({}) before reaching it", name, t->slurm_state);
      return;
  }
}

bool ended_badly(std::string_view state) {
  return state != "running" && state != "pending" && state != "requeued" && state != "suspended" &&
         state != "unknown" && state != "finished_unmarked";
}

void tally(JobScheduling& s, const RankScheduling& r, const RankIssue* issue) {
  ++s.states[r.state];
  const std::string files = files_word(issue);
  if (r.state == "running") ++s.running;
  if (r.state == "pending" || r.state == "requeued" || r.state == "suspended") {
    ++s.queued;
    if (r.task != nullptr && !r.task->reason.empty() && r.task->state != TaskState::running) ++s.pending_reasons[r.task->reason];
    if (r.task != nullptr && r.task->submit_time && r.task->state != TaskState::running && s.answer) {
      const double waited = std::max(0.0, s.answer->taken_at - *r.task->submit_time);
      if (!s.longest_queued_seconds || waited > *s.longest_queued_seconds) s.longest_queued_seconds = waited;
    }
  }
  if (ended_badly(r.state) && files != "failed" && files != "finished_unmarked") ++s.ended_beyond_logs;
}

void find_merge_job(const detail::AnswerIndex& index, JobScheduling& s) {
  for (const auto& id : s.job_ids) {
    const auto it = index.dependents.find(id);
    if (it == index.dependents.end()) continue;
    for (const SchedulerTask* t : it->second) {
      MergeJob m;
      m.job_id = t->job_id.empty() ? t->array_job_id : t->job_id;
      m.state = t->state;
      m.slurm_state = t->slurm_state;
      m.reason = t->reason;
      m.never_runs = t->reason.find("DependencyNeverSatisfied") != std::string::npos;
      s.merge_job = std::move(m);
      return;
    }
  }
}

}  // namespace

const RankScheduling* JobScheduling::find(std::int64_t rank) const {
  const auto it = std::lower_bound(ranks.begin(), ranks.end(), rank,
                                   [](const RankScheduling& r, std::int64_t x) { return r.rank < x; });
  return it != ranks.end() && it->rank == rank ? &*it : nullptr;
}

JobScheduling join_job_scheduling(const JobState& job, const std::shared_ptr<const SchedulerAnswer>& answer) {
  const detail::AnswerIndex index = answer ? detail::index_answer(*answer) : detail::AnswerIndex{};
  return detail::join_job_scheduling(job, answer, index);
}

namespace detail {

JobScheduling join_job_scheduling(const JobState& job, const std::shared_ptr<const SchedulerAnswer>& answer,
                                  const AnswerIndex& answer_index) {
  JobScheduling s;
  s.kind = answer ? answer->kind : std::string();
  s.answer = answer;
  if (answer) s.problems = answer->problems;
  const LaunchArrays arrays = launch_arrays(job, answer ? &answer_index : nullptr);
  s.job_ids = arrays.current_ids();
  s.earlier_job_ids = arrays.earlier_ids;
  if (!answer || !answer->available) return s;
  find_merge_job(answer_index, s);
  if (job.complete()) return s;
  // Both commands answered, so silence about a task of a known array means
  // it never ran (a pending array task cancelled leaves no trace).
  const bool answered_fully = answer->problems.empty();
  for (const auto& array : arrays.current) {
    for (std::int64_t index = 0; index < array.tasks; ++index) {
      const std::vector<std::int64_t> ranks = arrays.ranks_of(job, array, index);
      const SchedulerTask* t = answer->find(array.id, index);
      const std::string* log = array.log_of(index);
      const bool never_ran = answered_fully && t == nullptr && log == nullptr && array.known_to_scheduler;
      // The first rank of the task still without a marker: the one it runs now.
      std::int64_t first_waiting = -1;
      for (const std::int64_t rank : ranks) {
        if (!is_done(job, rank)) {
          first_waiting = rank;
          break;
        }
      }
      for (const std::int64_t rank : ranks) {
        if (is_done(job, rank)) continue;
        const RankIssue* issue = issue_of(job, rank);
        RankScheduling r;
        r.rank = rank;
        r.task = t;
        r.array_job_id = array.id;
        r.array_index = index;
        if (log != nullptr) r.slurm_log = *log;
        decide(r, issue, t, first_waiting, never_ran);
        if (r.state.empty()) continue;  // no word
        tally(s, r, issue);
        s.ranks.push_back(std::move(r));
      }
    }
  }
  std::sort(s.ranks.begin(), s.ranks.end(), [](const RankScheduling& a, const RankScheduling& b) { return a.rank < b.rank; });
  return s;
}

}  // namespace detail
}  // namespace jobmon
