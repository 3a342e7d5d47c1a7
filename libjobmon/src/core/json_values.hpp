// Values as JSON, the one way every result type writes them: a number, count
// or text, or null when it is absent, not finite (JSON has no NaN or inf),
// negative (a count not known) or empty (a text not known).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace jobmon::detail {

boost::json::value number_or_null(double v);
boost::json::value number_or_null(const std::optional<double>& v);
// ISO-8601 UTC ("2026-11-22T14:05:09Z") of epoch seconds, or null.
boost::json::value iso_time_or_null(const std::optional<double>& epoch_seconds);
// A count, or null when it is negative (the "not known" marker).
boost::json::value count_or_null(std::int64_t v);
// A text, or null when it is empty.
boost::json::value text_or_null(const std::string& s);

// Doubles in JSON text: the shortest round-trip form ("100", "0.25",
// "1e+20"), or null. Boost.JSON 1.81 would write "1E2", which is valid but
// surprises people reading the output.
std::string format_json_double(double d);
void append_json_double(std::string& out, double d);
// A count in JSON text, or null when it is negative.
void append_json_count(std::string& out, std::int64_t v);

}  // namespace jobmon::detail
