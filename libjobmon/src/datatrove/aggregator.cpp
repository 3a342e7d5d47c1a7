#include "jobmon/datatrove/aggregator.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "jobmon/datatrove/summary_line.hpp"
#include "jobmon/error.hpp"

namespace jobmon {
namespace {

int status_rank(JobStatus s) {  // active first, then trouble, then done
  switch (s) {
    case JobStatus::running: return 0;
    case JobStatus::failed: return 1;
    case JobStatus::stalled: return 2;
    case JobStatus::pending: return 3;
    case JobStatus::complete: return 4;
  }
  return 5;
}

// Ties break by path, so every order is stable from one refresh to the next.
bool by_path(const JobRow& a, const JobRow& b) { return a.job->path < b.job->path; }

JobRow make_row(const std::shared_ptr<const JobState>& job_ptr, const JobJudgement& judgement,
                const EtaEstimator& estimator, double now) {
  const JobState& job = *job_ptr;
  JobRow row;
  row.job = job_ptr;
  row.status = judgement.status;
  row.state_reason = judgement.reason;
  row.failed_ranks = judgement.failed_ranks;
  row.failed_ranks_exact = judgement.failed_ranks_exact;
  row.last_activity_at = judgement.last_activity;
  row.ended_at = judgement.ended_at;
  row.usual_rank_seconds = judgement.usual_rank_seconds;
  row.percent = whole_percent(job.completed, job.world_size);  // integer arithmetic, as the lines print it
  row.eta = estimator.smoothed(now);
  row.eta_linear = estimator.linear(now);
  switch (row.status) {
    case JobStatus::complete:
      row.finished_at = job.last_change_at;
      row.eta = EtaEstimate{};
      row.eta.remaining_seconds = 0;
      row.eta.finish_time = job.last_change_at;
      row.eta_linear = row.eta;
      break;
    case JobStatus::running:
      break;
    case JobStatus::failed:
    case JobStatus::stalled:
    case JobStatus::pending:
      // Nothing says when these end: no number that could read as "soon".
      for (EtaEstimate* e : {&row.eta, &row.eta_linear}) {
        e->rate.reset();
        e->remaining_seconds.reset();
        e->finish_time.reset();
      }
      break;
  }
  row.eta.stalled = row.eta_linear.stalled = row.status == JobStatus::stalled;
  if (judgement.last_activity) row.eta.seconds_since_progress = std::max(0.0, now - *judgement.last_activity);
  return row;
}

// What the totals' rate and remaining time are summed from.
struct RemainingWork {
  double rate_sum = 0;  // over running jobs that have a rate
  bool have_rate = false;
  double runnable = 0;  // tasks that can still finish, over incomplete jobs
};

void count_row(const JobRow& row, const EtaEstimator& estimator, Totals& t, RemainingWork& work) {
  const JobState& job = *row.job;
  ++t.jobs_total;
  t.tasks_total += job.world_size;
  t.tasks_completed += job.completed;
  t.tasks_failed += row.failed_ranks;
  t.tasks_failed_exact = t.tasks_failed_exact && row.failed_ranks_exact;
  count_status(row.status, t);
  // Work that will get done without anyone stepping in: running and pending jobs'.
  if (row.status != JobStatus::running && row.status != JobStatus::pending) return;
  work.runnable += std::max(0.0, estimator.total() - estimator.done());
  if (row.status == JobStatus::running && row.eta.rate) {
    work.rate_sum += *row.eta.rate;
    work.have_rate = true;
  }
}

void finish_totals(const RemainingWork& work, Totals& t) {
  if (work.have_rate && work.rate_sum > 0) {
    t.rate = work.rate_sum;
    t.remaining_seconds = work.runnable / work.rate_sum;
  } else if (work.runnable == 0 && t.jobs_completed == t.jobs_total) {
    t.remaining_seconds = 0;
  }
}

void sort_rows(std::vector<JobRow>& rows, SortOrder order) {
  switch (order) {
    case SortOrder::path:  // scans come sorted by path: skip the sort then
      if (!std::is_sorted(rows.begin(), rows.end(), by_path)) std::sort(rows.begin(), rows.end(), by_path);
      break;
    case SortOrder::progress:
      std::stable_sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) {
        if (a.job->fraction() != b.job->fraction()) return a.job->fraction() < b.job->fraction();
        return by_path(a, b);
      });
      break;
    case SortOrder::eta:
      std::stable_sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) {
        const double ea = a.eta.remaining_seconds.value_or(INFINITY);
        const double eb = b.eta.remaining_seconds.value_or(INFINITY);
        if (ea != eb) return ea > eb;  // longest remaining first: what holds the pipeline up
        return by_path(a, b);
      });
      break;
    case SortOrder::status:
      std::stable_sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) {
        if (status_rank(a.status) != status_rank(b.status)) return status_rank(a.status) < status_rank(b.status);
        return by_path(a, b);
      });
      break;
    case SortOrder::recent:
      std::stable_sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) {
        const double ta = a.job->last_change_at.value_or(-1), tb = b.job->last_change_at.value_or(-1);
        if (ta != tb) return ta > tb;
        return by_path(a, b);
      });
      break;
  }
}

}  // namespace

EtaEstimator make_job_estimator(const JobState& job, const JobJudgement& judgement, const EtaOptions& options) {
  const double runnable = static_cast<double>(std::max<std::int64_t>(0, job.world_size - judgement.failed_ranks));
  EtaEstimator estimator(runnable, options);
  const std::vector<Arrival>& arrivals = judgement.arrivals;
  if (arrivals.empty()) {
    if (judgement.launch) estimator.set_start(*judgement.launch);
    if (job.completed > 0 && job.last_change_at) estimator.add(*job.last_change_at, static_cast<double>(job.completed));
    return estimator;
  }
  // Markers from before the launch are an earlier attempt's: the baseline.
  // Without a usable launch the first arrival is the baseline, so a tree
  // restored in one burst has no rate until real arrivals follow.
  std::size_t first = 0;
  double done = 0;
  if (judgement.launch) {
    while (first < arrivals.size() && arrivals[first].time < *judgement.launch) done += static_cast<double>(arrivals[first++].count);
    estimator.set_start(*judgement.launch, done);
  }
  for (std::size_t i = first; i < arrivals.size(); ++i) {
    done += static_cast<double>(arrivals[i].count);
    estimator.add(arrivals[i].time, done);
  }
  return estimator;
}

Aggregate aggregate(const std::vector<std::shared_ptr<const JobState>>& jobs, double now,
                    const AggregateOptions& options, const SchedulerView* scheduler) {
  Aggregate out;
  out.now = now;
  if (scheduler != nullptr) out.warnings = scheduler_warnings(*scheduler);
  RemainingWork work;
  for (const auto& job : jobs) {
    if (!job || (!options.prefix.empty() && !job->name.starts_with(options.prefix))) continue;
    std::shared_ptr<const JobScheduling> scheduling = scheduler ? scheduler->find(*job) : nullptr;
    const JobJudgement judgement = judge_job(*job, now, options.state, scheduling.get());
    const EtaEstimator estimator = make_job_estimator(*job, judgement, options.eta);
    JobRow row = make_row(job, judgement, estimator, now);
    row.scheduling = std::move(scheduling);
    count_row(row, estimator, out.totals, work);
    if (options.hide_complete && row.status == JobStatus::complete) {
      ++out.hidden_complete;
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  finish_totals(work, out.totals);
  sort_rows(out.rows, options.sort);
  return out;
}

bool JobRow::needs_relaunch() const {
  return status == JobStatus::failed && only_relaunch_finishes(*job, scheduling.get());
}

std::optional<RelaunchHint> JobRow::relaunch() const {
  if (!job || status == JobStatus::complete) return std::nullopt;
  return relaunch_hint(*job, scheduling.get());
}

std::optional<double> JobRow::duration_seconds(double now) const {
  if (!job || !job->launched_at) return std::nullopt;
  const double end = ended_at ? *ended_at : now;
  return std::max(0.0, end - *job->launched_at);
}

AggregateDelta apply_deltas(Aggregate& current, const Aggregate& previous) {
  // Keys view the previous rows' paths (`previous` outlives this call); the
  // map is built only when the rows are not in the same order as before.
  std::unordered_map<std::string_view, std::int64_t> before;
  auto completed_before = [&](std::size_t i, const JobState& job) -> std::optional<std::int64_t> {
    if (i < previous.rows.size()) {
      const JobState& same_slot = *previous.rows[i].job;
      if (&same_slot == &job || same_slot.path == job.path) return same_slot.completed;
    }
    if (before.empty()) {
      before.reserve(previous.rows.size());
      for (const JobRow& row : previous.rows) before.emplace(row.job->path, row.job->completed);
    }
    const auto it = before.find(job.path);
    if (it == before.end()) return std::nullopt;
    return it->second;
  };
  for (std::size_t i = 0; i < current.rows.size(); ++i) {
    JobRow& row = current.rows[i];
    const auto was = completed_before(i, *row.job);
    row.newly_completed = was ? std::max<std::int64_t>(0, row.job->completed - *was) : 0;
  }
  AggregateDelta delta;
  delta.jobs_completed = current.totals.jobs_completed - previous.totals.jobs_completed;
  delta.tasks_completed = current.totals.tasks_completed - previous.totals.tasks_completed;
  return delta;
}

void count_status(JobStatus status, Totals& t) {
  switch (status) {
    case JobStatus::complete: ++t.jobs_completed; break;
    case JobStatus::running: ++t.jobs_running; break;
    case JobStatus::failed: ++t.jobs_failed; break;
    case JobStatus::stalled: ++t.jobs_stalled; break;
    case JobStatus::pending: ++t.jobs_pending; break;
  }
}

const char* to_string(SortOrder order) {
  switch (order) {
    case SortOrder::path: return "name";  // the CLI's spelling
    case SortOrder::progress: return "progress";
    case SortOrder::eta: return "eta";
    case SortOrder::status: return "status";
    case SortOrder::recent: return "recent";
  }
  return "name";
}

SortOrder parse_sort_order(std::string_view text) {
  for (SortOrder o : {SortOrder::path, SortOrder::progress, SortOrder::eta, SortOrder::status, SortOrder::recent}) {
    if (text == to_string(o)) return o;
  }
  throw UsageError("unknown sort order '" + std::string(text) + "' (name, progress, eta, status, recent)");
}

}  // namespace jobmon
