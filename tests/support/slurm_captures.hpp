// Test helper: Slurm's real answers captured from the test cluster
// (tests/data/slurm, see its README), read and joined per task as the
// SlurmQuery would: array 1 (tasks 0-3), held array 2 (0-3), merge job 3.
#pragma once

#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "jobmon/scheduler/scheduler_query.hpp"
#include "scheduler/slurm_join.hpp"
#include "scheduler/slurm_json.hpp"
#include "scheduler/slurm_parsable.hpp"
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

}  // namespace jobmon::test
