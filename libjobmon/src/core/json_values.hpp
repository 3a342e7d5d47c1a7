// Optional values as JSON, the one way every result type writes them: the
// value, or null when it is absent or not finite (JSON has no NaN or inf).
#pragma once

#include <boost/json/value.hpp>
#include <optional>

namespace jobmon {

boost::json::value number_or_null(double v);
boost::json::value number_or_null(const std::optional<double>& v);
// ISO-8601 UTC ("2026-11-22T14:05:09Z") of epoch seconds, or null.
boost::json::value iso_time_or_null(const std::optional<double>& epoch_seconds);

}  // namespace jobmon
