// Whether a document jobmon wrote is valid JSON. jobmon writes bytes that are
// not UTF-8 as lone low surrogates ("\udcff", as Python's surrogateescape
// does) and Python's json reads them back; Boost.JSON 1.81 refuses lone
// surrogates, so they are swapped for U+FFFD before Boost.JSON parses.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/json/parse.hpp>

namespace jobmon::fuzz {

inline std::string replace_lone_surrogates(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto code_at = [&](std::size_t i) -> long {  // the XXXX of a \uXXXX at i, or -1
    if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
    char* end = nullptr;
    const std::string hex(text.substr(i + 2, 4));
    const long code = std::strtol(hex.c_str(), &end, 16);
    return end == hex.c_str() + 4 ? code : -1;
  };
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!in_string) {
      if (c == '"') in_string = true;
      out += c;
      continue;
    }
    if (c == '"') {
      in_string = false;
      out += c;
    } else if (c != '\\' || i + 1 >= text.size()) {
      out += c;
    } else if (const long code = code_at(i); code >= 0xD800 && code <= 0xDFFF) {
      const long next = code <= 0xDBFF ? code_at(i + 6) : -1;
      if (next >= 0xDC00 && next <= 0xDFFF) {  // a real pair: keep both
        out.append(text.substr(i, 12));
        i += 11;
      } else {
        out += "\\ufffd";
        i += 5;
      }
    } else {
      out.append(text.substr(i, 2));  // any other escape, \\ and \" included
      ++i;
    }
  }
  return out;
}

// Empty when `text` is JSON; otherwise Boost.JSON's reason.
inline std::string json_error(std::string_view text) {
  boost::system::error_code ec;
  (void)boost::json::parse(replace_lone_surrogates(text), ec);
  return ec ? ec.message() : std::string();
}

}  // namespace jobmon::fuzz
