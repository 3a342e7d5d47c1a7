// The state model (see job_status.hpp): evidence in, one word and its reason out.
#include "jobmon/datatrove/job_status.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "datatrove/slurm/states_text.hpp"
#include "jobmon/format.hpp"

namespace jobmon {
namespace {

std::string ranks_word(std::int64_t n) { return n == 1 ? "1 rank" : fmt::format("{} ranks", n); }

// executor.json's mtime, unless it falls inside a burst of markers: a tree
// copied or restored as a whole gives every file the copy's time, and then
// the "launch" says nothing about when the job ran.
std::optional<double> launch_time(const JobState& job, const std::vector<Arrival>& arrivals, double burst) {
  if (!job.launched_at) return std::nullopt;
  const double t = *job.launched_at;
  for (const Arrival& a : arrivals) {
    if (t >= a.first - burst && t <= a.time + burst) return std::nullopt;
  }
  return t;
}

// Arrivals between two arrivals that are enough history on their own: the
// wait from the launch to the first marker then stops counting, since it
// includes time queued in a scheduler, which can be days.
constexpr std::size_t enough_arrivals = 10;

// How long this job's ranks usually take: the longest wait for an arrival
// seen so far (between two arrivals of one attempt, or from the launch to
// the first marker while there are few). Ranks run in waves, so the longest
// gap, not the typical one, is what a healthy job can go quiet for.
std::optional<double> usual_rank_seconds(const std::vector<Arrival>& arrivals, std::optional<double> launch) {
  std::optional<double> usual, launch_gap;
  auto consider = [&](double gap) {
    if (gap > 0 && (!usual || gap > *usual)) usual = gap;
  };
  const Arrival* previous = nullptr;
  std::size_t since_launch = 0;
  for (const Arrival& a : arrivals) {
    const bool after_launch = !launch || a.first >= *launch;
    const bool first_of_attempt = launch && after_launch && (previous == nullptr || previous->time < *launch);
    if (after_launch) ++since_launch;
    if (first_of_attempt) launch_gap = a.first - *launch;
    else if (previous != nullptr) consider(a.first - previous->time);
    previous = &a;
  }
  if (launch_gap && (since_launch < enough_arrivals || !usual)) consider(*launch_gap);
  return usual;
}

struct Evidence {
  std::optional<double> time;
  std::string what;
};

// The newest sign that the job was alive, and what it was.
Evidence newest_evidence(const JobState& job, const std::vector<Arrival>& arrivals, std::optional<double> launch) {
  Evidence e;
  auto offer = [&](std::optional<double> t, const char* what) {
    if (t && (!e.time || *t > *e.time)) e = {t, what};
  };
  if (!arrivals.empty()) offer(arrivals.back().time, "last marker");
  else if (job.completed > 0) offer(job.last_change_at, "last marker");
  offer(job.last_log_write, "task log written");
  offer(job.last_failure_at, "a rank failed");
  offer(launch, "launched");
  return e;
}

// Something of this attempt happened: a marker, a log or a failure since the launch.
bool attempt_started(const JobState& job, const std::vector<Arrival>& arrivals, std::optional<double> launch) {
  const RankCounts& c = job.rank_counts;
  if (c.running > 0 || c.failed > 0 || c.finished_unmarked > 0) return true;
  if (!launch) return job.completed > 0;
  if (!arrivals.empty()) return arrivals.back().time >= *launch;
  return job.completed > 0 && job.last_change_at && *job.last_change_at >= *launch;
}

std::string usual_text(const JobJudgement& j, const JobState& job) {
  if (j.usual_rank_seconds) return fmt::format("ranks usually take up to {}", format_duration(*j.usual_rank_seconds));
  if (job.completed == 0) return "no rank has finished yet to compare with";
  return "no two marker times to compare with";
}

// Appends "; Slurm: 3 running, 1 timeout, 10 pending" (the join words it
// once; a JobScheduling made by hand may leave that to here).
void add_scheduler_part(std::string& out, const JobScheduling& s) {
  if (s.states.empty()) return;
  out += "; Slurm: ";
  out += s.states_text.empty() ? detail::states_text(s.states) : s.states_text;
}

// "12 ranks wait in Slurm's queue (Priority: 10, Resources: 2) for 3h 10m; 4 done before".
std::string queued_text(const JobScheduling& s, std::int64_t completed) {
  std::string out = fmt::format("{} wait{} in Slurm's queue", ranks_word(s.queued), s.queued == 1 ? "s" : "");
  if (!s.pending_reasons.empty()) {
    out += " (";
    bool first = true;
    for (const auto& [reason, n] : s.pending_reasons) {
      out += fmt::format("{}{}: {}", first ? "" : ", ", reason, n);
      first = false;
    }
    out += ")";
  }
  if (s.longest_queued_seconds) out += " for up to " + format_duration(*s.longest_queued_seconds);
  if (completed > 0) out += fmt::format("; {} done", completed);
  return out;
}

}  // namespace

std::vector<Arrival> marker_arrivals(const std::vector<double>& sorted_mtimes, double burst_seconds) {
  std::vector<Arrival> out;
  for (const double t : sorted_mtimes) {
    if (!std::isfinite(t)) continue;
    if (!out.empty() && t - out.back().time <= burst_seconds) {
      out.back().time = t;
      ++out.back().count;
    } else {
      out.push_back(Arrival{t, t, 1});
    }
  }
  return out;
}

bool only_relaunch_finishes(const JobState& job, const JobScheduling* scheduling) {
  // Exact counts only: an unread log might belong to a rank still running.
  // A rank that says done without a marker does not change that once
  // another rank failed: no waiting fixes the job.
  const RankCounts& c = job.rank_counts;
  const std::int64_t failed = c.failed + (scheduling ? scheduling->ended_beyond_logs : 0);
  return !job.complete() && job.logs_read && c.exact() && failed > 0 &&
         failed + c.finished_unmarked == job.world_size - job.completed;
}

JobJudgement judge_job(const JobState& job, double now, const StateOptions& options, const JobScheduling* scheduling) {
  JobJudgement j;
  const RankCounts& c = job.rank_counts;
  const JobScheduling* const sched = scheduling;
  j.failed_ranks = c.failed + (sched ? sched->ended_beyond_logs : 0);
  j.failed_ranks_exact = !job.logs_read || c.exact();
  j.relaunched = c.failed_earlier_attempt > 0;
  if (job.complete()) {
    j.status = JobStatus::complete;
    j.reason = fmt::format("all {} ranks have a completion marker", job.world_size);
    j.last_activity = job.last_change_at;
    j.ended_at = job.last_change_at;
    return j;
  }
  j.arrivals = marker_arrivals(job.marker_mtimes, options.burst_seconds);
  j.launch = launch_time(job, j.arrivals, options.burst_seconds);
  const std::vector<Arrival>& arrivals = j.arrivals;
  const std::optional<double>& launch = j.launch;
  if (launch && !arrivals.empty() && arrivals.front().time < *launch) j.relaunched = true;
  j.usual_rank_seconds = usual_rank_seconds(arrivals, launch);
  j.stall_after = std::max(options.min_stall_seconds, j.usual_rank_seconds ? options.stall_factor * *j.usual_rank_seconds
                                                                           : options.no_history_stall_seconds);
  const Evidence evidence = newest_evidence(job, arrivals, launch);
  j.last_activity = evidence.time;

  if (only_relaunch_finishes(job, sched)) {
    j.status = JobStatus::failed;
    j.ended_at = j.last_activity;
    j.reason = job.completed > 0
        ? fmt::format("{} failed and every other rank is done: relaunch to finish", ranks_word(j.failed_ranks))
        : fmt::format("{} failed and no rank is left to run: relaunch to finish", ranks_word(j.failed_ranks));
    if (sched) add_scheduler_part(j.reason, *sched);
    return j;
  }
  const bool scheduler_saw_it_start = sched && (sched->running > 0 || sched->ended_beyond_logs > 0);
  if (!attempt_started(job, arrivals, launch) && !scheduler_saw_it_start) {
    if (sched && sched->queued > 0) {
      j.status = JobStatus::pending;
      j.reason = queued_text(*sched, job.completed);
      return j;
    }
    const double relaunch_patience = std::max(*j.stall_after, options.no_history_stall_seconds);
    if (j.relaunched && launch && now - *launch > relaunch_patience) {
      // A relaunch that never showed a sign of life (a rejected submission,
      // an editor touching executor.json): not pending forever.
      j.status = JobStatus::stalled;
      j.ended_at = launch;
      j.reason = fmt::format("relaunched {} ago and nothing of this attempt has started ({} done before)",
                             format_duration(now - *launch), job.completed);
      return j;
    }
    j.status = JobStatus::pending;
    if (j.relaunched && launch)
      j.reason = fmt::format("relaunched {} ago; no rank of this attempt has started ({} done before)",
                             format_duration(std::max(0.0, now - *launch)), job.completed);
    else if (launch)
      j.reason = fmt::format("launched {} ago; no rank has started (no marker, no task log)",
                             format_duration(std::max(0.0, now - *launch)));
    else
      j.reason = "no rank has started (no marker, no task log)";
    return j;
  }
  const double silence = evidence.time ? std::max(0.0, now - *evidence.time) : INFINITY;
  const std::string failed_part = j.failed_ranks > 0
      ? fmt::format("{}{} failed", j.failed_ranks_exact ? "" : ">=", ranks_word(j.failed_ranks))
      : std::string();
  if (silence <= *j.stall_after) {
    j.status = JobStatus::running;
    j.reason = fmt::format("{} {} ago; {}", evidence.what, format_duration(silence), usual_text(j, job));
    if (!failed_part.empty()) j.reason += "; " + failed_part;
    if (sched) add_scheduler_part(j.reason, *sched);
    return j;
  }
  if (sched && sched->queued > 0 && sched->running == 0) {
    // Quiet because what is left waits in the queue: the scheduler, not the job, holds it up.
    j.status = JobStatus::pending;
    j.reason = queued_text(*sched, job.completed);
    if (!failed_part.empty()) j.reason += "; " + failed_part;
    return j;
  }
  j.ended_at = j.last_activity;
  const std::string quiet = evidence.time ? fmt::format("no marker or log write for {}", format_duration(silence))
                                          : std::string("no marker or log write with a time");
  if (j.failed_ranks > 0) {
    j.status = JobStatus::failed;
    j.reason = fmt::format("{}; {} ({})", failed_part, quiet, usual_text(j, job));
  } else {
    j.status = JobStatus::stalled;
    j.reason = fmt::format("{}, more than {} ({})", quiet, format_duration(*j.stall_after), usual_text(j, job));
    if (c.finished_unmarked > 0)
      j.reason += fmt::format("; {} finished without writing a completion marker", ranks_word(c.finished_unmarked));
  }
  if (sched) add_scheduler_part(j.reason, *sched);
  return j;
}

}  // namespace jobmon
