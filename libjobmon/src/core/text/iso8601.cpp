#include "core/text/iso8601.hpp"

namespace jobmon::detail {
namespace {

bool in_range(const CivilTime& t) {
  return t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour >= 0 && t.hour <= 23 &&
         t.minute >= 0 && t.minute <= 59 && t.second >= 0 && t.second <= 60;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The zone at text[pos...] to the end; false when it is not one.
bool scan_zone(std::string_view text, std::size_t pos, Iso8601Fields& out) {
  if (pos == text.size()) return true;
  const char c = text[pos];
  if (c == 'Z' || c == 'z') {
    out.zone = c;
    return pos + 1 == text.size();
  }
  if (c != '+' && c != '-') return false;
  int hours = 0, minutes = 0;
  if (!fixed_digits(text, pos + 1, 2, hours)) return false;
  std::size_t after = pos + 3;
  if (after < text.size() && text[after] == ':') ++after;
  if (after < text.size()) {
    if (!fixed_digits(text, after, 2, minutes)) return false;
    after += 2;
  }
  if (after != text.size() || hours > 23 || minutes > 59) return false;
  out.zone = c;
  out.offset_seconds = (hours * 3600 + minutes * 60) * (c == '+' ? 1 : -1);
  return true;
}

}  // namespace

bool fixed_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (!is_digit(text[i])) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// Howard Hinnant's well-known civil-date arithmetic, written out from the formula.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::optional<std::int64_t> civil_to_epoch(const CivilTime& t) {
  if (!in_range(t)) return std::nullopt;
  const std::int64_t days = days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day));
  return days * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

std::optional<Iso8601Fields> scan_iso8601(std::string_view t) {
  Iso8601Fields f;
  CivilTime& c = f.civil;
  if (t.size() < 19 || !fixed_digits(t, 0, 4, c.year) || t[4] != '-' || !fixed_digits(t, 5, 2, c.month) ||
      t[7] != '-' || !fixed_digits(t, 8, 2, c.day) || (t[10] != 'T' && t[10] != 't' && t[10] != ' ') ||
      !fixed_digits(t, 11, 2, c.hour) || t[13] != ':' || !fixed_digits(t, 14, 2, c.minute) || t[16] != ':' ||
      !fixed_digits(t, 17, 2, c.second) || !in_range(c))
    return std::nullopt;
  f.separator = t[10];
  std::size_t pos = 19;
  if (pos < t.size() && (t[pos] == '.' || t[pos] == ',')) {
    f.fraction_mark = t[pos];
    const std::size_t first = ++pos;
    while (pos < t.size() && is_digit(t[pos])) ++pos;
    f.fraction_digits = t.substr(first, pos - first);
  }
  if (!scan_zone(t, pos, f)) return std::nullopt;
  return f;
}

}  // namespace jobmon::detail
