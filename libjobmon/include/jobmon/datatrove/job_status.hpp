// The one state model of a datatrove job: pending, running, stalled, failed,
// complete, decided from the job's own files and history, with the evidence
// that decided it (JobJudgement::reason). jobmon-status, the dashboard,
// jobmon-serve, /metrics and Python all show these words. Pure: no I/O, no
// clock (the caller passes `now`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"
#include "jobmon/job_state.hpp"

namespace jobmon {

struct StateOptions {
  // Stalled: no evidence of life (a marker, a task-log write, the launch)
  // for stall_factor x how long this job's ranks usually take...
  double stall_factor = 3;
  // ...and never sooner than this.
  double min_stall_seconds = 600;
  // Before any rank has finished there is no history to compare with: this
  // much silence in the task logs is then a stall.
  double no_history_stall_seconds = 6 * 3600;
  // Markers closer together than this are one arrival: a copy, rsync or
  // restore writes hundreds in a blink, and a rate from them would be absurd.
  double burst_seconds = 1;
};

// Marker arrivals told apart: each burst of markers closer than
// burst_seconds is one arrival of `count` markers, from `first` to `time`.
struct Arrival {
  double first = 0;
  double time = 0;  // its last marker
  std::int64_t count = 0;
};
std::vector<Arrival> marker_arrivals(const std::vector<double>& sorted_mtimes, double burst_seconds);

struct JobJudgement {
  JobStatus status = JobStatus::pending;
  std::string reason;                       // the evidence that decided, in words
  std::optional<double> last_activity;      // newest evidence of this attempt
  std::optional<double> ended_at;           // failed, stalled, complete: when activity stopped
  std::optional<double> usual_rank_seconds; // how long ranks usually take (this job's history)
  std::optional<double> stall_after;        // silence (seconds) that makes it stalled
  std::int64_t failed_ranks = 0;            // failed logs of this attempt
  bool failed_ranks_exact = true;           // every incomplete rank's log was read
  bool relaunched = false;                  // executor.json rewritten after markers or failures
  std::optional<double> launch;             // executor.json's mtime, unless a copy burst wrote it
  std::vector<Arrival> arrivals;            // the markers' arrivals (when their times were read)
};

// Nothing left can finish without a relaunch: every rank without a marker
// failed in this attempt (or says done without a marker, or the scheduler
// says its task ended or never ran), counted exactly.
bool only_relaunch_finishes(const JobState& job, const JobScheduling* scheduling = nullptr);

// Judges one job. The rules, in order (README has the table):
//   complete  every rank has its marker;
//   failed    every rank without a marker failed (nothing left can finish
//             without a relaunch), or failures were seen and nothing has
//             moved for longer than usual;
//   pending   nothing of this attempt has started: no marker, task-log
//             write or failure since executor.json was (re)written (a
//             relaunch that shows nothing for longer than the stall window
//             and no_history_stall_seconds is stalled instead);
//   running   evidence of life within stall_after (failed ranks are shown
//             beside it: "running · 1 failed");
//   stalled   was running, no evidence of life for much longer than usual.
// With the scheduler's word (`scheduling`), a rank whose task ended badly
// (time limit, out of memory, cancelled, node failure) counts as failed
// though its log shows no exception, and ranks waiting in the scheduler's
// queue make a quiet job pending (with the queue's reasons), not stalled.
JobJudgement judge_job(const JobState& job, double now, const StateOptions& options = {},
                       const JobScheduling* scheduling = nullptr);

}  // namespace jobmon
