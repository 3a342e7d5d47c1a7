// The lenient reads Slurm's JSON answers need, over simdjson On-Demand: a
// value of another type than expected reads as "unknown"; a malformed one
// (or a broken document) is remembered as the reader's error, and the
// caller then drops what it read. Private to slurm_json.cpp.
#pragma once

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace jobmon::detail {

namespace od = simdjson::ondemand;

class SlurmJsonReader {
 public:
  // Nesting the reads below follow (Boost.JSON's limit in the old reader).
  static constexpr int max_depth = 64;

  simdjson::error_code error = simdjson::SUCCESS;  // the first one
  bool ok() const { return error == simdjson::SUCCESS; }
  // False (and the error kept) when `e` is one.
  bool check(simdjson::error_code e) {
    if (e != simdjson::SUCCESS && ok()) error = e;
    return e == simdjson::SUCCESS;
  }

  std::optional<od::json_type> type(od::value& v) {
    od::json_type t;
    if (!check(v.type().get(t))) return std::nullopt;
    return t;
  }

  // A string's text; anything else reads as "".
  std::string text(od::value& v) {
    if (type(v) != od::json_type::string) return {};
    std::string_view s;
    if (!check(v.get_string().get(s))) return {};
    return std::string(s);
  }

  std::optional<bool> boolean(od::value& v) {
    if (type(v) != od::json_type::boolean) return std::nullopt;
    bool b = false;
    if (!check(v.get_bool().get(b))) return std::nullopt;
    return b;
  }

  // A number as 22.05 writes it (42), or as later versions do
  // ({"set": true, "number": 42}); {"set": false} and {"infinite": true} are none.
  std::optional<double> number(od::value& v, int depth = 0) {
    const auto t = type(v);
    if (t == od::json_type::number) {
      double d = 0;
      if (!check(v.get_double().get(d))) return std::nullopt;
      return d;
    }
    if (t != od::json_type::object) return std::nullopt;
    if (depth >= max_depth) {
      check(simdjson::DEPTH_ERROR);
      return std::nullopt;
    }
    std::optional<bool> set, infinite;
    std::optional<double> n;
    each_field(v, [&](std::string_view key, od::value& field) {
      if (key == "set") set = boolean(field);
      else if (key == "infinite") infinite = boolean(field);
      else if (key == "number") n = number(field, depth + 1);
    });
    if ((set && !*set) || (infinite && *infinite)) return std::nullopt;
    return n;
  }

  // "RUNNING", or a list of flags whose first is the state (23.02+).
  std::string state_word(od::value& v) {
    const auto t = type(v);
    if (t == od::json_type::string) return text(v);
    if (t != od::json_type::array) return {};
    std::string first;
    bool at_first = true;
    each_element(v, [&](od::value& e) {
      if (at_first) first = text(e);
      at_first = false;
    });
    return first;
  }

  // Calls f(key, value) for each field of an object (nothing for another type).
  template <class F>
  void each_field(od::value& v, F&& f) {
    if (type(v) != od::json_type::object) return;
    od::object o;
    if (!check(v.get_object().get(o))) return;
    for (auto result : o) {
      od::field field;
      if (!check(std::move(result).get(field))) return;
      std::string_view key;
      if (!read_key(field, key)) return;
      od::value value = field.value();
      f(key, value);
      if (!ok()) return;
    }
  }

  // Calls f(value) for each element of an array (nothing for another type).
  template <class F>
  void each_element(od::value& v, F&& f) {
    if (type(v) != od::json_type::array) return;
    od::array a;
    if (!check(v.get_array().get(a))) return;
    for (auto result : a) {
      od::value value;
      if (!check(std::move(result).get(value))) return;
      f(value);
      if (!ok()) return;
    }
  }

 private:
  // A key as written (Slurm's have no escapes); one with escapes is unescaped.
  bool read_key(od::field& f, std::string_view& key) {
    const char* start = f.key().raw();
    const char* end = start;
    while (*end != '"') {
      if (*end == '\\') return check(f.unescaped_key().get(key));
      ++end;
    }
    key = std::string_view(start, static_cast<std::size_t>(end - start));
    return true;
  }
};

}  // namespace jobmon::detail
