// Test helper: JSON whose non-integer numbers are compared exactly. Boost
// 1.81's parser may be one ulp off (its precise mode came in 1.83): 30 of
// the 610 doubles in tests/fixtures/training/MANIFEST.json come out wrong.
// parse_exact_json quotes each non-integer number as "#<text>" before
// parsing, and exact_number reads it back with std::from_chars (correctly
// rounded), so a manifest value and a float32 widened by the library are
// compared with ==.
#pragma once

#include <boost/json.hpp>

#include <charconv>
#include <stdexcept>
#include <string>
#include <string_view>

namespace jobmon::test {

inline boost::json::value parse_exact_json(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {  // a string, copied through its escapes
      const std::size_t start = i++;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
      out.append(text.substr(start, ++i - start));
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t end = i;
      while (end < text.size() && std::string_view("+-.eE0123456789").find(text[end]) != std::string_view::npos) ++end;
      const std::string_view number = text.substr(i, end - i);
      if (number.find_first_of(".eE") == std::string_view::npos) out.append(number);
      else out.append("\"#").append(number).append("\"");
      i = end;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return boost::json::parse(out);
}

// A number of a parse_exact_json document (quoted or integer) as a double.
inline double exact_number(const boost::json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  const boost::json::string& s = v.as_string();
  if (s.empty() || s[0] != '#') throw std::invalid_argument("not a number: " + std::string(s));
  double d = 0;
  const auto [end, ec] = std::from_chars(s.data() + 1, s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size()) throw std::invalid_argument("bad number: " + std::string(s));
  return d;
}

}  // namespace jobmon::test
