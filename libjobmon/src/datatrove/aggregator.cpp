#include "jobmon/datatrove/aggregator.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

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

bool any_rank_running(const JobState& job, double now, double recent_seconds) {
  return std::any_of(job.rank_issues.begin(), job.rank_issues.end(), [&](const RankIssue& issue) {
    return issue.state == RankState::running && issue.log_mtime && now - *issue.log_mtime < recent_seconds;
  });
}

}  // namespace

EtaEstimator make_job_estimator(const JobState& job, const EtaOptions& options) {
  const double runnable = static_cast<double>(std::max<std::int64_t>(0, job.world_size - job.failed_ranks()));
  EtaEstimator estimator(runnable, options);
  if (job.launched_at) estimator.set_start(*job.launched_at);
  if (!job.marker_mtimes.empty()) {
    estimator.add_completions(job.marker_mtimes);
  } else if (job.completed > 0 && job.last_change_at) {
    estimator.add(*job.last_change_at, static_cast<double>(job.completed));
  }
  return estimator;
}

Aggregate aggregate(const std::vector<std::shared_ptr<const JobState>>& jobs, double now,
                    const AggregateOptions& options) {
  Aggregate out;
  out.now = now;
  double rate_sum = 0;
  bool have_rate = false;
  double runnable_remaining = 0;
  for (const auto& job_ptr : jobs) {
    if (!job_ptr) continue;
    const JobState& job = *job_ptr;
    if (!options.prefix.empty() && !job.name.starts_with(options.prefix)) continue;
    JobRow row;
    row.job = job_ptr;
    row.failed_ranks = job.failed_ranks();
    row.percent = job.world_size > 0 ? std::floor(100.0 * static_cast<double>(job.completed) / static_cast<double>(job.world_size)) : 0;
    const EtaEstimator estimator = make_job_estimator(job, options.eta);
    row.eta = estimator.smoothed(now);
    row.eta_linear = estimator.linear(now);
    const double stall_window = std::max(options.eta.min_stall_seconds, 1.0);
    if (job.complete()) {
      row.status = JobStatus::complete;
      row.finished_at = job.last_change_at;
      row.eta = EtaEstimate{};
      row.eta.remaining_seconds = 0;
      row.eta.finish_time = job.last_change_at;
    } else if (row.failed_ranks > 0) {
      row.status = JobStatus::failed;
    } else if (job.completed == 0 && !any_rank_running(job, now, stall_window) &&
               std::none_of(job.rank_issues.begin(), job.rank_issues.end(),
                            [](const RankIssue& i) { return i.state == RankState::running; })) {
      row.status = JobStatus::pending;
    } else if (row.eta.stalled && !any_rank_running(job, now, stall_window)) {
      row.status = JobStatus::stalled;
    } else {
      row.status = JobStatus::running;
    }

    Totals& t = out.totals;
    ++t.jobs_total;
    t.tasks_total += job.world_size;
    t.tasks_completed += job.completed;
    t.tasks_failed += row.failed_ranks;
    switch (row.status) {
      case JobStatus::complete: ++t.jobs_completed; break;
      case JobStatus::running: ++t.jobs_running; break;
      case JobStatus::failed: ++t.jobs_failed; break;
      case JobStatus::stalled: ++t.jobs_stalled; break;
      case JobStatus::pending: ++t.jobs_pending; break;
    }
    if (row.status != JobStatus::complete) {
      runnable_remaining += std::max(0.0, estimator.total() - estimator.done());
      if (row.status == JobStatus::running && row.eta.rate) {
        rate_sum += *row.eta.rate;
        have_rate = true;
      }
    }
    if (options.hide_complete && row.status == JobStatus::complete) {
      ++out.hidden_complete;
      continue;
    }
    if (options.only_incomplete_or_failed && row.status == JobStatus::complete) continue;
    out.rows.push_back(std::move(row));
  }
  if (have_rate && rate_sum > 0) {
    out.totals.rate = rate_sum;
    out.totals.remaining_seconds = runnable_remaining / rate_sum;
  } else if (runnable_remaining == 0) {
    out.totals.remaining_seconds = 0;
  }

  auto by_name = [](const JobRow& a, const JobRow& b) { return a.job->path < b.job->path; };
  switch (options.sort) {
    case SortOrder::name:  // scans come sorted by path: skip the sort then
      if (!std::is_sorted(out.rows.begin(), out.rows.end(), by_name))
        std::sort(out.rows.begin(), out.rows.end(), by_name);
      break;
    case SortOrder::progress:
      std::stable_sort(out.rows.begin(), out.rows.end(), [&](const JobRow& a, const JobRow& b) {
        if (a.job->fraction() != b.job->fraction()) return a.job->fraction() < b.job->fraction();
        return by_name(a, b);
      });
      break;
    case SortOrder::eta:
      std::stable_sort(out.rows.begin(), out.rows.end(), [&](const JobRow& a, const JobRow& b) {
        const double ea = a.eta.remaining_seconds.value_or(INFINITY);
        const double eb = b.eta.remaining_seconds.value_or(INFINITY);
        if (ea != eb) return ea > eb;  // longest remaining first: what holds the pipeline up
        return by_name(a, b);
      });
      break;
    case SortOrder::status:
      std::stable_sort(out.rows.begin(), out.rows.end(), [&](const JobRow& a, const JobRow& b) {
        if (status_rank(a.status) != status_rank(b.status)) return status_rank(a.status) < status_rank(b.status);
        return by_name(a, b);
      });
      break;
    case SortOrder::recent:
      std::stable_sort(out.rows.begin(), out.rows.end(), [&](const JobRow& a, const JobRow& b) {
        const double ta = a.job->last_change_at.value_or(-1), tb = b.job->last_change_at.value_or(-1);
        if (ta != tb) return ta > tb;
        return by_name(a, b);
      });
      break;
  }
  return out;
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

const char* to_string(JobStatus status) {
  switch (status) {
    case JobStatus::running: return "running";
    case JobStatus::failed: return "failed";
    case JobStatus::stalled: return "stalled";
    case JobStatus::pending: return "pending";
    case JobStatus::complete: return "complete";
  }
  return "unknown";
}

const char* to_string(SortOrder order) {
  switch (order) {
    case SortOrder::name: return "name";
    case SortOrder::progress: return "progress";
    case SortOrder::eta: return "eta";
    case SortOrder::status: return "status";
    case SortOrder::recent: return "recent";
  }
  return "name";
}

SortOrder parse_sort_order(std::string_view text) {
  for (SortOrder o : {SortOrder::name, SortOrder::progress, SortOrder::eta, SortOrder::status, SortOrder::recent}) {
    if (text == to_string(o)) return o;
  }
  throw UsageError("unknown sort order '" + std::string(text) + "' (name, progress, eta, status, recent)");
}

}  // namespace jobmon
