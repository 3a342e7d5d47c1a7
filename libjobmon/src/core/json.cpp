#include "jobmon/json.hpp"

#include <boost/json.hpp>
#include <algorithm>

#include "core/json_values.hpp"
#include "jobmon/clock.hpp"

namespace jobmon {
namespace json = boost::json;
using detail::append_json_string;
using detail::format_json_double;
using detail::iso_time_or_null;
using detail::number_or_null;
namespace {

void compact(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, kv.key());
        out += ':';
        compact(out, kv.value());
      }
      out += '}';
      return;
    }
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        compact(out, e);
      }
      out += ']';
      return;
    }
    case json::kind::double_: out += format_json_double(v.get_double()); return;
    case json::kind::string: append_json_string(out, v.get_string()); return;
    default: out += json::serialize(v); return;  // null, bool, integers: no text to escape
  }
}

void pretty(std::string& out, const json::value& v, int indent) {
  const std::string pad(static_cast<std::size_t>(indent + 2), ' ');
  switch (v.kind()) {
    case json::kind::object: {
      const auto& obj = v.get_object();
      if (obj.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& kv : obj) {
        if (!first) out += ",\n";
        first = false;
        out += pad;
        append_json_string(out, kv.key());
        out += ": ";
        pretty(out, kv.value(), indent + 2);
      }
      out += '\n';
      out.append(static_cast<std::size_t>(indent), ' ');
      out += '}';
      return;
    }
    case json::kind::array: {
      const auto& arr = v.get_array();
      if (arr.empty()) {
        out += "[]";
        return;
      }
      // Arrays of scalars stay on one line: rank lists would be unreadable otherwise.
      const bool scalars = std::all_of(arr.begin(), arr.end(), [](const json::value& e) {
        return !e.is_object() && !e.is_array();
      });
      if (scalars) {
        out += '[';
        for (std::size_t i = 0; i < arr.size(); ++i) {
          if (i) out += ',';
          pretty(out, arr[i], indent);
        }
        out += ']';
        return;
      }
      out += "[\n";
      bool first = true;
      for (const auto& e : arr) {
        if (!first) out += ",\n";
        first = false;
        out += pad;
        pretty(out, e, indent + 2);
      }
      out += '\n';
      out.append(static_cast<std::size_t>(indent), ' ');
      out += ']';
      return;
    }
    case json::kind::double_: out += format_json_double(v.get_double()); return;
    case json::kind::string: append_json_string(out, v.get_string()); return;
    default: out += json::serialize(v); return;  // null, bool, integers: no text to escape
  }
}

}  // namespace

json::value to_json(const EtaEstimate& eta) {
  return json::object{{"rate_per_second", number_or_null(eta.rate)},
                      {"remaining_seconds", number_or_null(eta.remaining_seconds)},
                      {"finish_time", iso_time_or_null(eta.finish_time)},
                      {"stalled", eta.stalled},
                      {"seconds_since_progress", eta.seconds_since_progress}};
}

std::string to_compact_json(const json::value& value) {
  std::string out;
  compact(out, value);
  return out;
}

std::string to_pretty_json(const json::value& value) {
  std::string out;
  pretty(out, value, 0);
  out += '\n';
  return out;
}

}  // namespace jobmon
