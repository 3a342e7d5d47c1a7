#include "core/json_values.hpp"

#include <cmath>
#include <fmt/format.h>
#include <iterator>

#include "core/text/utf8.hpp"
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
  if (!std::isfinite(d)) {
    out += "null";
    return;
  }
  const std::size_t from = out.size();
  fmt::format_to(std::back_inserter(out), "{}", d);
  // A float stays a float for the reader: 65.0, not 65 (which json.loads
  // and every typed parser would take for an integer).
  if (out.find_first_of(".eEn", from) == std::string::npos) out += ".0";
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Printable ASCII other than the two JSON escapes is copied in runs.
    std::size_t plain = i;
    while (plain < s.size() && s[plain] >= 0x20 && s[plain] < 0x7F && s[plain] != '"' && s[plain] != '\\') ++plain;
    out.append(s.substr(i, plain - i));
    i = plain;
    if (i == s.size()) break;
    const Utf8Char c = decode_utf8(s, i);
    if (c.length == 0) {  // not UTF-8: the byte as a lone low surrogate
      fmt::format_to(std::back_inserter(out), "\\udc{:02x}", static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    switch (c.code_point) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c.code_point < 0x20 || (c.code_point >= 0x7F && c.code_point <= 0x9F))
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c.code_point));
        else
          out.append(s.substr(i, c.length));
    }
    i += c.length;
  }
  out += '"';
}

void append_json_count(std::string& out, std::int64_t v) {
  if (v < 0) out += "null";
  else fmt::format_to(std::back_inserter(out), "{}", v);
}

}  // namespace jobmon::detail
