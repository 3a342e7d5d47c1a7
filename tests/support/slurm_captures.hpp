// Test helper: Slurm's real answers captured from the test cluster
// (tests/data/slurm, see its README), read and joined per task as the
// SlurmQuery would: array 1 (tasks 0-3), held array 2 (0-3), merge job 3.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "job_state_builder.hpp"
#include "jobmon/datatrove/job.hpp"
#include "jobmon/scheduler/scheduler_query.hpp"
#include "scheduler/slurm/slurm_join.hpp"
#include "scheduler/slurm/slurm_json.hpp"
#include "scheduler/slurm/slurm_parsable.hpp"
#include "temp_tree.hpp"

namespace jobmon::test {

inline std::string slurm_capture(const std::string& name) {
  return read_text(std::string(JOBMON_TEST_DATA) + "/slurm/" + name);
}

// The captures hold the cluster's local time (UTC there); read them the same way.
inline void slurm_capture_timezone() {
  setenv("TZ", "UTC", 1);
  tzset();
}

inline const std::vector<std::string> slurm_capture_ids = {"1", "2", "3"};
constexpr double slurm_capture_running_time = 1796582140;  // a little after the "running" capture

// The answer at `moment` ("running" or "ended"), from --json or the parsable forms.
inline SchedulerAnswer slurm_capture_answer(const std::string& moment, bool parsable, double now) {
  slurm_capture_timezone();
  const auto q = parsable ? detail::parse_squeue_parsable(slurm_capture("squeue_" + moment + ".txt"))
                          : detail::parse_squeue_json(slurm_capture("squeue_" + moment + ".json"));
  const auto a = parsable ? detail::parse_sacct_parsable(slurm_capture("sacct_" + moment + ".txt"))
                          : detail::parse_sacct_json(slurm_capture("sacct_" + moment + ".json"));
  REQUIRE(q.problem.empty());
  REQUIRE(a.problem.empty());
  SchedulerAnswer answer;
  answer.available = true;
  answer.kind = "slurm";
  answer.taken_at = now;
  answer.tasks = detail::join_slurm_rows(q.rows, true, a.rows, slurm_capture_ids, now);
  return answer;
}

constexpr double slurm_capture_launch = 1796582000;  // about when array 1 was submitted
// Where the capture's arrays (and its merge job) wrote their output.
inline const std::string slurm_capture_logs_dir = "/tmp/jobmon-e2e-1Rh8C7/slurm_logs";

// The datatrove job array 1 of the captures ran: 4 ranks, one per task;
// rank 0 done (task 0 exit 0), rank 1's log ends in an exception (task 1
// exit 1), ranks 2 and 3 have logs without one (running, later TIMEOUT and
// CANCELLED by Slurm).
inline std::shared_ptr<JobState> slurm_capture_job() {
  const double t0 = slurm_capture_launch;
  auto job = job_state("tok", 4, 1);
  job->path = "/logs/tok";
  job->launched_at = t0;
  job->marker_mtimes = {t0 + 20};
  job->slurm.launched_on_slurm = true;
  job->slurm.job_name = "jm-e2e";
  job->slurm.has_ranks_to_run = true;
  job->slurm.ranks_to_run = {0, 1, 2, 3};
  job->slurm.ranks_to_run_mtime = t0;
  job->slurm.logs_dir = slurm_capture_logs_dir;
  for (int i = 0; i < 4; ++i)
    job->slurm.logs.push_back({"1", i, slurm_capture_logs_dir + "/1_" + std::to_string(i) + ".out", t0 + 30, 0});
  job->rank_issues = {RankIssue{1, RankState::failed, "RuntimeError: boom", t0 + 60},
                      RankIssue{2, RankState::running, "", t0 + 60}, RankIssue{3, RankState::running, "", t0 + 60}};
  recount_ranks(*job);
  return job;
}

}  // namespace jobmon::test
