// Aggregator: per-job rows and totals from scanned job states, with filters,
// sort orders and deltas against a previous aggregate. Pure: no I/O, no
// clock (the caller passes `now`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/job_status.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/eta.hpp"

namespace jobmon {

// path: by the job directory's full path (the CLI calls it "name"; jobs under
// one root then sort by name). `name` is kept as another word for it.
enum class SortOrder { path, name = path, progress, eta, status, recent };

struct JobRow {
  std::shared_ptr<const JobState> job;
  JobStatus status = JobStatus::pending;
  std::string state_reason;            // the evidence that decided the status (judge_job)
  double percent = 0;                  // 0..100, rounded down: 100 only when complete
  // Smoothed recent rate. remaining_seconds is 0 for a complete job and
  // empty whenever nothing says when it will end: not running, or no rate
  // yet (markers that arrived in one burst give none).
  EtaEstimate eta;
  EtaEstimate eta_linear;              // the reference's projection
  std::optional<double> finished_at;   // complete jobs: when the last marker arrived
  std::optional<double> last_activity_at;  // newest evidence of life
  std::optional<double> ended_at;      // failed, stalled, complete: when activity stopped
  std::optional<double> usual_rank_seconds;
  std::int64_t failed_ranks = 0;       // this attempt's failed ranks
  bool failed_ranks_exact = true;      // false: a lower bound (the log budget stopped reading)
  std::int64_t newly_completed = 0;    // since the previous aggregate (apply_deltas)
  // The scheduler's word on this job's ranks (null: none asked or answered).
  std::shared_ptr<const JobScheduling> scheduling;

  // Failed, and every rank without a marker failed (or says done without
  // one): only a relaunch finishes it.
  bool needs_relaunch() const;
  // The relaunch that finishes it (ranks, array indices, commands), when
  // some rank will not finish without one.
  std::optional<RelaunchHint> relaunch() const;
  // Seconds from the launch to the end (or to `now` while it runs).
  std::optional<double> duration_seconds(double now) const;
};

struct Totals {
  std::int64_t jobs_total = 0, jobs_completed = 0;
  std::int64_t tasks_total = 0, tasks_completed = 0;
  std::int64_t jobs_running = 0, jobs_failed = 0, jobs_stalled = 0, jobs_pending = 0;
  std::int64_t tasks_failed = 0;
  bool tasks_failed_exact = true;
  std::optional<double> rate;               // tasks per second over running jobs
  std::optional<double> remaining_seconds;  // remaining runnable tasks / rate
};

struct Aggregate {
  double now = 0;
  std::vector<JobRow> rows;       // after filters and sorting
  Totals totals;                  // over every job that passed the prefix filter
  std::size_t hidden_complete = 0;
  std::vector<Warning> warnings;  // the scheduler's problems, when one was joined
};

struct AggregateOptions {
  std::string prefix;              // job-name prefix filter
  bool hide_complete = false;      // hide complete rows; totals still count them
  SortOrder sort = SortOrder::path;
  EtaOptions eta;
  StateOptions state;
};

// With `scheduler`, each job is judged with the scheduler's word on its
// ranks (SchedulerJoin::refresh over the same jobs).
Aggregate aggregate(const std::vector<std::shared_ptr<const JobState>>& jobs, double now,
                    const AggregateOptions& options = {}, const SchedulerView* scheduler = nullptr);

struct AggregateDelta {
  std::int64_t jobs_completed = 0;
  std::int64_t tasks_completed = 0;
};

// Fills each row's newly_completed from `previous` (matched by path) and
// returns the change of the totals.
AggregateDelta apply_deltas(Aggregate& current, const Aggregate& previous);

// The estimator for one job: total = ranks that can still finish, samples =
// marker arrivals (bursts as one; or the completions/ mtime when times were
// not read), started at the launch with the earlier attempt's markers as
// its baseline.
EtaEstimator make_job_estimator(const JobState& job, const JobJudgement& judgement, const EtaOptions& options = {});
// One more job of `status` in the totals' per-status counts.
void count_status(JobStatus status, Totals& totals);
const char* to_string(SortOrder order);
SortOrder parse_sort_order(std::string_view text);  // throws UsageError

}  // namespace jobmon
