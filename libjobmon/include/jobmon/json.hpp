// Boost.JSON forms of every result type: one schema shared by the CLIs'
// --json and the Python bindings. The web API's job list uses a compact
// summary of its own (see RegistryEntry::summary in jobmon/server/job_registry.hpp).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/eta.hpp"

namespace jobmon {

inline constexpr std::size_t json_max_listed_ranks = 100000;

boost::json::value to_json(const Warning& warning);
boost::json::value to_json(const EtaEstimate& eta);
boost::json::value to_json(const RankIssue& issue);
boost::json::value to_json(const JobState& job);
boost::json::value to_json(const JobRow& row);
boost::json::value to_json(const Totals& totals);
boost::json::value to_json(const ScanStats& stats);

// The document `jobmon-status --json` prints:
// {"jobs": [...], "summary": {...}, "warnings": [...], "generated_at": ...}
boost::json::value status_document(const Aggregate& aggregate, const std::vector<Warning>& warnings);

// Serialises with a stable key order (insertion order) and two-space indent.
std::string to_pretty_json(const boost::json::value& value);
// The same without whitespace (for HTTP answers and event streams).
std::string to_compact_json(const boost::json::value& value);

}  // namespace jobmon
