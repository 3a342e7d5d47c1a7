// Asking the batch scheduler about the jobs jobmon reads, cheaply: one
// answer for all of them per refresh, cached for a refresh interval, each
// command bounded by a timeout. With no scheduler (`none`, or `auto` where
// its commands are absent) every answer is "not available", never an error:
// jobmon then shows what the files say.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/scheduler/scheduler_task.hpp"

namespace jobmon {

// --scheduler slurm|auto|none. auto: Slurm when `squeue` is on PATH.
enum class SchedulerChoice { automatic, slurm, none };
const char* to_string(SchedulerChoice choice);  // "auto", "slurm", "none"
std::optional<SchedulerChoice> parse_scheduler_choice(std::string_view word);

struct SchedulerAnswer {
  bool available = false;  // false: no scheduler here; the rest is empty
  std::string kind;        // "slurm"
  double taken_at = 0;     // epoch seconds of the question
  // What went wrong with the last question (a timeout, unreadable output),
  // one line per command; the tasks hold whatever the other commands said.
  std::vector<std::string> problems;
  // Every task of every job asked about (and of jobs that depend on them),
  // sorted by (array_job_id, array_task_index), one entry per task.
  std::vector<SchedulerTask> tasks;

  // The task of an array (index given) or the job (no index); nullptr when the
  // scheduler has no word on it (for Slurm: never submitted, or a pending
  // array task cancelled, which leaves no trace).
  const SchedulerTask* find(std::string_view array_job_id, std::optional<std::int64_t> index) const;
  // Every task of one array (or the job), by index: for walking an array's
  // indices in order without a search per index.
  std::span<const SchedulerTask> tasks_of(std::string_view array_job_id) const;
  // Asked less than `refresh_seconds` before `now`; a clock gone back past
  // the question makes it stale too (it must not stand for as long as the
  // clock stepped).
  bool fresh_at(double now, double refresh_seconds) const {
    return now >= taken_at && now - taken_at < refresh_seconds;
  }
  // The jobs whose dependency names this job id (datatrove's merge_stats job).
  std::vector<const SchedulerTask*> dependents_of(std::string_view job_id) const;
};

struct SchedulerOptions {
  double refresh_seconds = 10;   // a question within this of the last one gets the last answer
  double timeout_seconds = 10;   // each command's limit
  // What one command may write. A --json answer is read as it arrives (one
  // job object held at a time), so this bounds the time spent, not memory;
  // the parsable text of older Slurm (~30x smaller) is held whole.
  std::size_t max_output_bytes = std::size_t{4} << 30;
  // `auto`: commands installed on a machine that is not part of a cluster
  // (no slurm.conf, no configless controller) mean "no scheduler here",
  // not a problem to report on every refresh.
  bool unconfigured_is_absent = false;
  // A dashboard's choice: a refresh gets the answer at hand while a fresh
  // one is asked on a thread of its own (the first question, and one about
  // ids not asked before, are still answered before the refresh goes on).
  bool ask_in_background = false;
};

// What to ask about: job ids, and job names whose queued tasks are wanted
// too (an array submitted but not started yet has left no file naming its id).
struct SchedulerRequest {
  std::vector<std::string> job_ids;
  std::vector<std::string> job_names;
};

// The request with its ids and names sorted, each once.
SchedulerRequest normalized(SchedulerRequest request);
// Every id and name of `wanted` is in `asked` (both normalized): an answer
// to `asked` speaks of everything `wanted` names.
bool covers(const SchedulerRequest& asked, const SchedulerRequest& wanted);

class SchedulerQuery {
 public:
  virtual ~SchedulerQuery() = default;
  // "slurm", or "none".
  virtual std::string_view kind() const = 0;
  // The scheduler's word on these job ids (array base ids or raw ids) and on
  // the queued jobs of these names. Asks at most once per refresh interval:
  // within it, ids and names already asked about get the cached answer; a
  // new one asks again.
  virtual SchedulerAnswer query(const SchedulerRequest& request, double now) = 0;
  // The same answer, shared: a query that caches hands out the same object
  // while its answer stands (no copy; callers may key caches on it).
  virtual std::shared_ptr<const SchedulerAnswer> shared_query(const SchedulerRequest& request, double now) {
    return std::make_shared<const SchedulerAnswer>(query(request, now));
  }
  SchedulerAnswer query(const std::vector<std::string>& job_ids, double now) {
    return query(SchedulerRequest{job_ids, {}}, now);
  }
  // For shutting down, from any thread: a question in flight ends now (its
  // commands killed) and later ones answer at once with a problem.
  virtual void stop() {}
};

// The query for a choice: Slurm, or one that always answers "not available".
std::unique_ptr<SchedulerQuery> make_scheduler_query(SchedulerChoice choice, const SchedulerOptions& options = {});

}  // namespace jobmon
