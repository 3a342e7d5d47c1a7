// Pieces shared by the registry's per-kind entry and detail builders.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <vector>

#include "core/json_values.hpp"
#include "jobmon/server/job_registry.hpp"

namespace jobmon {

// id, kind, name, path, status, current, done, total, percent, failed, eta_seconds.
boost::json::object summary_fields(const RegistryEntry& e);
// (time, done) points from sorted completion times, at most max_points of them.
boost::json::array completion_curve(const std::vector<double>& sorted_times, std::size_t max_points);

}  // namespace jobmon
