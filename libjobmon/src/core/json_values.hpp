// Values as JSON, the one way every result type writes them: a number, count
// or text, or null when it is absent, not finite (JSON has no NaN or inf),
// negative (a count not known) or empty (a text not known).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobmon::detail {

boost::json::value number_or_null(double v);
boost::json::value number_or_null(const std::optional<double>& v);
// ISO-8601 UTC ("2026-11-22T14:05:09Z") of epoch seconds, or null.
boost::json::value iso_time_or_null(const std::optional<double>& epoch_seconds);
// A count, or null when it is negative (the "not known" marker).
boost::json::value count_or_null(std::int64_t v);
// A text, or null when it is empty.
boost::json::value text_or_null(const std::string& s);

// Doubles in JSON text: the shortest round-trip form, always with a
// fraction or an exponent so a float reads back as a float ("100.0", "0.25",
// "1e+20"), or null. Boost.JSON 1.81 would write "1E2", which is valid but
// surprises people reading the output.
std::string format_json_double(double d);
void append_json_double(std::string& out, double d);
// A string in JSON text, quotes included, and always valid UTF-8 whatever
// the bytes: well-formed UTF-8 passes through; '"', '\\' and the controls
// JSON requires are escaped (\n, \t, ... or \u00XX), and so are DEL and the C1
// controls (\u007f, \u0080..\u009f: a document printed to a terminal must
// not drive it); each byte that is not part of well-formed UTF-8 becomes
// \udcXX (XX = the byte, 80..ff), the os.fsdecode "surrogateescape"
// convention: Python's json.loads then os.fsencode give the exact bytes back.
// Every writer of JSON text (the core writer, the streaming ones) uses this.
void append_json_string(std::string& out, std::string_view s);
// A count in JSON text, or null when it is negative.
void append_json_count(std::string& out, std::int64_t v);

}  // namespace jobmon::detail
