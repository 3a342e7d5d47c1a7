// join_job_scheduling: array tasks mapped to ranks, each rank's fate decided
// from its task log and its task's scheduler state (rules: scheduler_join.hpp).
#include <algorithm>
#include <fmt/format.h>

#include "datatrove/slurm/launch_arrays.hpp"
#include "datatrove/slurm/states_text.hpp"
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

// What the files say of a rank, as the word they would show; "unknown" where
// the task logs were not all read or listed (a rank past the listed ones).
struct FilesWord {
  std::string word;
  bool known = true;
};
FilesWord files_word(const JobState& job, const RankIssue* issue, std::int64_t rank) {
  if (issue != nullptr) return {issue->earlier_attempt ? "pending" : to_string(issue->state), true};
  const bool listed_all = !job.rank_issues_truncated && job.rank_counts.exact();
  const bool before_cut = job.rank_issues_truncated && !job.rank_issues.empty() && rank < job.rank_issues.back().rank &&
                          job.rank_counts.exact();
  return {"pending", listed_all || before_cut};
}

std::string task_name(const SchedulerTask& t) {
  return t.array_task_index ? fmt::format("{}_{}", t.array_job_id, *t.array_task_index) : t.job_id;
}

// A task that ended this recently may have written its rank's marker after
// the files were listed (NFS caches listings): not called a failure yet.
constexpr double marker_grace_seconds = 120;

bool never_satisfied(const SchedulerTask& t) { return t.reason.find("DependencyNeverSatisfied") != std::string::npos; }

// The fate of one rank of task `t` (see RankScheduling). `first_waiting`:
// the task's first rank without a marker, the one a running task runs now.
void decide(RankScheduling& r, const FilesWord& files, const RankIssue* issue, const SchedulerTask* t,
            std::int64_t first_waiting, bool no_trace_means_never_ran, double answered_at) {
  r.started = issue != nullptr && !issue->earlier_attempt;
  if (files.word == "failed" || files.word == "finished_unmarked") {
    r.state = files.word;
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
      r.state = r.started || first_waiting == r.rank ? "running" : "pending";
      if (!r.started && first_waiting == r.rank) r.note = fmt::format("its task {} is starting it (no task log yet)", name);
      if (r.state == "pending") r.note = fmt::format("waits in its running task {} behind rank {}", name, first_waiting);
      return;
    case TaskState::pending:
    case TaskState::requeued:
    case TaskState::suspended:
      r.state = to_string(t->state);
      if (never_satisfied(*t)) r.note = "its dependency can never be satisfied (DependencyNeverSatisfied): it will not start";
      return;
    case TaskState::completed:
      if (t->end_time && answered_at - *t->end_time < marker_grace_seconds) {
        r.state.clear();  // no word yet: its marker may be on its way
        return;
      }
      r.state = "failed";
      r.note = fmt::format("its task {} ended with exit 0 but the rank left no completion marker", name);
      return;
    case TaskState::never_scheduled:
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

void tally(JobScheduling& s, const RankScheduling& r, const FilesWord& files) {
  ++s.states[r.state];
  // Counts that change the judgement only where the files' word is known:
  // a rank the logs already count (or may count, unread) is not counted twice.
  if (!files.known) return;
  const bool files_settled = files.word == "failed" || files.word == "finished_unmarked";
  const bool waits_for_nothing = r.task != nullptr && r.task->state != TaskState::running && never_satisfied(*r.task);
  if (r.state == "running") ++s.running;
  if ((r.state == "pending" || r.state == "requeued" || r.state == "suspended") && !waits_for_nothing) {
    // Behind another rank of a running task: its task runs, the queue is not what holds it.
    if (r.task != nullptr && r.task->state != TaskState::running) {
      ++s.queued;
      if (!r.task->reason.empty()) ++s.pending_reasons[r.task->reason];
      if (r.task->submit_time && s.answer) {
        const double waited = std::max(0.0, s.answer->taken_at - *r.task->submit_time);
        if (!s.longest_queued_seconds || waited > *s.longest_queued_seconds) s.longest_queued_seconds = waited;
      }
    }
  }
  if ((ended_badly(r.state) || waits_for_nothing) && !files_settled) ++s.ended_beyond_logs;
}

// datatrove's merge job: waits with afterok on the launch's arrays and writes
// into the job's slurm logs dir under the job's name (the launch's next array
// chunk waits with afterany; a next pipeline stage has its own name and dir).
void find_merge_job(const AnswerIndex& index, const JobState& job, JobScheduling& s) {
  const SchedulerTask* best = nullptr;
  const std::string logs_dir = job.slurm.logs_dir + "/";
  for (const auto& id : s.job_ids) {
    const auto it = index.dependents.find(id);
    if (it == index.dependents.end()) continue;
    for (const SchedulerTask* t : it->second) {
      const auto afterok = detail::afterok_ids(t->dependency);
      if (std::find(afterok.begin(), afterok.end(), id) == afterok.end()) continue;
      if (std::find(s.job_ids.begin(), s.job_ids.end(), t->array_job_id) != s.job_ids.end()) continue;
      const bool ours = t->name == job.slurm.job_name || t->stdout_path.starts_with(logs_dir);
      if (!ours) continue;
      if (best == nullptr || detail::slurm_id_less(t->array_job_id, best->array_job_id)) best = t;
    }
  }
  if (best == nullptr) return;
  MergeJob m;
  m.job_id = best->job_id.empty() ? best->array_job_id : best->job_id;
  m.state = best->state;
  m.slurm_state = best->slurm_state;
  m.reason = best->reason;
  m.never_runs = never_satisfied(*best);
  s.merge_job = std::move(m);
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
  find_merge_job(answer_index, job, s);
  if (job.complete()) return s;
  // Both commands answered, so silence about a task of a known array means
  // it never ran (a pending array task cancelled leaves no trace).
  const bool answered_fully = answer->problems.empty();
  for (const auto& array : arrays.current) {
    // The array's tasks in index order, walked beside the indices.
    const std::span<const SchedulerTask> tasks = answer->tasks_of(array.id);
    auto next_task = tasks.begin();
    for (std::int64_t index = 0; index < array.tasks; ++index) {
      const std::vector<std::int64_t> ranks = arrays.ranks_of(job, array, index);
      while (next_task != tasks.end() && next_task->array_task_index.value_or(-1) < index) ++next_task;
      const SchedulerTask* t =
          next_task != tasks.end() && next_task->array_task_index == index ? &*next_task : nullptr;
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
        const FilesWord files = files_word(job, issue, rank);
        RankScheduling r;
        r.rank = rank;
        r.task = t;
        r.array_job_id = array.id;
        r.array_index = index;
        if (log != nullptr) r.slurm_log = *log;
        decide(r, files, issue, t, first_waiting, never_ran && files.known, answer->taken_at);
        if (r.state.empty()) continue;  // no word
        tally(s, r, files);
        s.ranks.push_back(std::move(r));
      }
    }
  }
  std::sort(s.ranks.begin(), s.ranks.end(), [](const RankScheduling& a, const RankScheduling& b) { return a.rank < b.rank; });
  s.states_text = states_text(s.states);
  return s;
}

}  // namespace detail
}  // namespace jobmon
