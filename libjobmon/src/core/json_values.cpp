#include "core/json_values.hpp"

#include <cmath>
#include <fmt/format.h>
#include <iterator>

#include "jobmon/clock.hpp"

namespace jobmon::detail {
namespace json = boost::json;

json::value number_or_null(double v) { return std::isfinite(v) ? json::value(v) : json::value(nullptr); }

json::value number_or_null(const std::optional<double>& v) { return v ? number_or_null(*v) : json::value(nullptr); }

json::value iso_time_or_null(const std::optional<double>& t) {
  return t && std::isfinite(*t) ? json::value(format_iso8601(*t)) : json::value(nullptr);
}

json::value count_or_null(std::int64_t v) { return v >= 0 ? json::value(v) : json::value(nullptr); }

json::value text_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

std::string format_json_double(double d) {
  std::string out;
  append_json_double(out, d);
  return out;
}

void append_json_double(std::string& out, double d) {
  if (!std::isfinite(d)) out += "null";
  else fmt::format_to(std::back_inserter(out), "{}", d);
}

void append_json_count(std::string& out, std::int64_t v) {
  if (v < 0) out += "null";
  else fmt::format_to(std::back_inserter(out), "{}", v);
}

}  // namespace jobmon::detail
