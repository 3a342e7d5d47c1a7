// Small string helpers every room shares. ASCII only: jobmon never switches
// the C locale, and these must not depend on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmon::detail {

// The C "isspace" set.
inline constexpr std::string_view ascii_space = " \t\r\n\f\v";

// Each caller names its own set: trimming '\r' at the front or '\n' at the
// back changes what some line matchers see.
std::string_view trim_left(std::string_view s, std::string_view chars = ascii_space);
std::string_view trim_right(std::string_view s, std::string_view chars = ascii_space);
std::string_view trim(std::string_view s, std::string_view chars = ascii_space);
// A line from a text file: spaces and tabs at both ends, and the '\r' a CRLF
// ending leaves. A leading '\r' stays (tqdm redraws start lines with one).
std::string_view trim_line(std::string_view s);

std::string ascii_lower(std::string_view s);
// A path without its trailing slashes ("a/b//" -> "a/b"; "/" stays "/").
std::string without_trailing_slash(std::string path);
std::string ascii_upper(std::string_view s);

// The first max bytes of s (a byte cut), plus marker when anything was cut.
std::string clip(std::string_view s, std::size_t max, std::string_view marker = {});

// Calls f(line) for each '\n'-separated line, without its '\n'. A final '\n'
// does not start another (empty) line; empty text has no lines.
template <class F>
void for_each_line(std::string_view text, F&& f) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

// The lines for_each_line visits.
std::vector<std::string_view> split_lines(std::string_view text);

// The non-empty pieces between separators ("/a//b/" -> {"a", "b"}).
std::vector<std::string> split_nonempty(std::string_view text, char separator);

std::string join(const std::vector<std::string>& parts, std::string_view separator);

// One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF,
// quotes doubled. A text field that a spreadsheet would run as a formula
// (leading = + - @ TAB CR) gets a leading apostrophe: names come from the
// scanned tree and must not execute in whoever opens the export.
std::string csv_field(std::string_view text);
std::string csv_number(double value);  // shortest round-trip form; "" for NaN/inf

// Plain decimal digits only (no sign, no spaces), at most max_digits of them;
// nullopt otherwise. max_digits must keep the value within 64 bits (<= 19).
std::optional<std::uint64_t> parse_decimal(std::string_view digits, std::size_t max_digits);

// d as an int64 when it is a whole number of magnitude below 2^62; the range
// is checked first because converting an out-of-range double is undefined.
std::optional<std::int64_t> exact_int64(double d);

// Standard base64 (RFC 4648, with padding): the Hub commit API, and the
// reversible form of a path that is not UTF-8 in JSON (`path_b64`).
std::string base64_encode(std::string_view bytes);

}  // namespace jobmon::detail
