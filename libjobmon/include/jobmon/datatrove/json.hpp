// Boost.JSON forms of the datatrove results. `jobmon-status --json`
// (status_document) and the Python bindings write jobs with to_json(JobRow);
// the web API's statistics use to_json(Totals). The writer (pretty and
// compact text) is jobmon/json.hpp.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <vector>

#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/datatrove/scheduler_join.hpp"

namespace jobmon {

// At most this many incomplete ranks are listed per job (the ranges say the rest).
inline constexpr std::size_t json_max_listed_ranks = 100000;

boost::json::value to_json(const Warning& warning);
boost::json::value to_json(const RankIssue& issue);
boost::json::value to_json(const RankCounts& counts);
boost::json::value to_json(const JobState& job);
// The scheduler's details of one rank, and a job's scheduler section:
// {"kind", "job_ids", "earlier_job_ids", "merge_job", "states", "problems", "relaunch"}.
boost::json::value to_json(const RankScheduling& rank);
boost::json::value to_json(const JobScheduling& scheduling, const std::optional<RelaunchHint>& relaunch);
boost::json::value to_json(const RelaunchHint& hint);
// A job's rank_issues: the task logs' word on each rank, and with the
// scheduler's word its joined state and details (ranks without a log that
// the scheduler has a word on included), ascending by rank.
// Ranks the scheduler alone has a word on are listed up to
// json_max_scheduler_only_ranks (`truncated` then says so).
inline constexpr std::size_t json_max_scheduler_only_ranks = 10000;
boost::json::value rank_issues_json(const JobState& job, const JobScheduling* scheduling, bool* truncated = nullptr);
// A job's row as of `now` (its duration runs to now while it runs): the
// object jobmon-status --json lists, Python's Job.to_dict() and the web API's job.
boost::json::value to_json(const JobRow& row, double now);
boost::json::value to_json(const Totals& totals);
boost::json::value to_json(const ScanStats& stats);

// The document `jobmon-status --json` prints:
// {"jobs": [...], "summary": {...}, "warnings": [...], "generated_at": ...}
boost::json::value status_document(const Aggregate& aggregate, const std::vector<Warning>& warnings);

}  // namespace jobmon
