// The scheduler's word joined to a datatrove job's ranks: which array task
// runs which rank (JobState::slurm), and what Slurm says happened to it.
// The files alone cannot tell a rank killed by its time limit, out of memory,
// cancelled or lost with its node from one still running (its log has no
// exception and there is no marker); the join can. One question per refresh
// for all jobs (SchedulerJoin), then a pure join per job.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/scheduler/scheduler_query.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

// The scheduler's word on one incomplete rank of the job's current launch.
// Its state, one of TaskState's words or the files' own (failed,
// finished_unmarked), is the rank's fate:
//   the task log's exception (failed) and "done without a marker" win;
//   a live task: running when the rank's log is of this launch, else pending
//   (queued, or waiting in a running task behind the ranks before it);
//   an ended task: its end (timeout, out_of_memory, cancelled, node_fail,
//   preempted, failed; completed without this rank's marker is failed),
//   also for ranks the task never reached (started = false);
//   no trace in squeue nor sacct, when both answered, while the launch's
//   other tasks are known: never_scheduled (a pending task cancelled).
struct RankScheduling {
  std::int64_t rank = 0;
  std::string state;             // "timeout", "running", "failed", ...
  bool started = false;          // the rank itself ran in this launch (it has a task log of this launch)
  const SchedulerTask* task = nullptr;  // its array task (kept alive by JobScheduling::answer); null: no word
  std::string array_job_id;      // the launch's array it belongs to
  std::int64_t array_index = 0;  // its task's index in that array
  std::string slurm_log;         // that task's output file, when it exists
  std::string slurm_log_tail;    // its last lines, for a rank that ended badly without an exception
  std::string note;              // why, in words, when the state alone would puzzle
};

// datatrove's merge_stats job: submitted with --dependency=afterok:<array>.
struct MergeJob {
  std::string job_id;
  TaskState state = TaskState::unknown;
  std::string slurm_state, reason;
  bool never_runs = false;  // DependencyNeverSatisfied: a task it waits for failed
};

struct JobScheduling {
  std::string kind;  // "slurm"
  std::shared_ptr<const SchedulerAnswer> answer;  // null when the job was not asked about
  std::vector<std::string> job_ids;          // arrays of the current launch, ascending
  std::vector<std::string> earlier_job_ids;  // arrays of earlier launches (old slurm logs)
  std::optional<MergeJob> merge_job;
  std::vector<RankScheduling> ranks;         // incomplete ranks with a word, ascending
  std::map<std::string, std::int64_t> states;  // ranks by state word
  std::string states_text;  // the same in words, most first: "3 running, 1 timeout"
  // Ranks that the task logs call running or pending but the scheduler says
  // ended (or never ran): they need a relaunch like a failed rank.
  std::int64_t ended_beyond_logs = 0;
  std::int64_t running = 0;  // in a running task (the rank's own log of this launch)
  std::int64_t queued = 0;   // waiting: pending, requeued or suspended tasks, or behind a running rank
  std::map<std::string, std::int64_t> pending_reasons;  // queued ranks by reason ("Priority")
  std::optional<double> longest_queued_seconds;         // since submission, of a queued task
  std::vector<std::string> problems;         // the scheduler's problems on this refresh

  const RankScheduling* find(std::int64_t rank) const;
};

// Joins one job with an answer (see RankScheduling for the rules).
// Reads nothing: slurm_log_tail is left empty (SchedulerJoin fills it).
JobScheduling join_job_scheduling(const JobState& job, const std::shared_ptr<const SchedulerAnswer>& answer);

// What one refresh asks: the arrays named by the jobs' slurm logs and the
// job names of Slurm jobs not yet complete (to find arrays still queued).
SchedulerRequest scheduler_request(const std::vector<std::shared_ptr<const JobState>>& jobs);

// One refresh's join for every job, by job path.
struct SchedulerView {
  std::string kind;  // "slurm"; empty when no scheduler answered
  std::shared_ptr<const SchedulerAnswer> answer;
  std::string asked;                  // the scheduler asked ("slurm"), answered or not; empty for none
  std::vector<std::string> problems;  // why the scheduler's word is missing or partial
  std::unordered_map<std::string, std::shared_ptr<const JobScheduling>> by_path;
  std::shared_ptr<const JobScheduling> find(const JobState& job) const;
};

// The view's problems as warnings ("slurm: sacct: timed out after 10 s").
std::vector<Warning> scheduler_warnings(const SchedulerView& view);

// Asks the scheduler once per refresh about every job and joins the answer,
// reading the tail of each badly ended rank's slurm log (cached by file
// mtime and size). `auto` without Slurm, or `none`: an empty view.
class SchedulerJoin {
 public:
  SchedulerJoin(std::unique_ptr<SchedulerQuery> query, std::shared_ptr<const Storage> storage);
  ~SchedulerJoin();
  SchedulerJoin(const SchedulerJoin&) = delete;
  SchedulerJoin& operator=(const SchedulerJoin&) = delete;

  SchedulerView refresh(const std::vector<std::shared_ptr<const JobState>>& jobs, double now);
  std::string_view kind() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// For the tools' --scheduler flag: the join for a choice, reading slurm logs
// through `storage` (null: local files).
std::unique_ptr<SchedulerJoin> make_scheduler_join(SchedulerChoice choice, std::shared_ptr<const Storage> storage = nullptr,
                                                   const SchedulerOptions& options = {});

// The relaunch that finishes a job: which ranks, which array indices of the
// current launch, and the commands datatrove users run.
struct RelaunchHint {
  std::string ranks;          // "7,40-45"
  std::string array_indices;  // "3,10-12"; empty when the launch's indices do not map them
  std::string hint;           // what to do, in words
  std::vector<std::string> commands;
};
std::optional<RelaunchHint> relaunch_hint(const JobState& job, const JobScheduling* scheduling);

}  // namespace jobmon
