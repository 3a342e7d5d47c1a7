#include "core/text/utf8.hpp"

#include <fmt/format.h>

#include <iterator>

namespace jobmon::detail {
namespace {

// Continuation bytes a lead byte announces; -1 when it cannot lead.
int continuation_bytes(unsigned char lead) {
  return lead < 0x80 ? 0 : (lead >> 5) == 0x6 ? 1 : (lead >> 4) == 0xE ? 2 : (lead >> 3) == 0x1E ? 3 : -1;
}

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::size_t utf8_sequence_length(unsigned char lead) {
  const int extra = continuation_bytes(lead);
  return extra < 0 ? 1 : static_cast<std::size_t>(extra) + 1;
}

char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const int extra = continuation_bytes(b0);
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = extra == 0 ? b0 : (b0 & (0x3F >> extra));
  for (std::size_t k = 1; k <= static_cast<std::size_t>(extra); ++k) {
    if (!is_continuation(s[i + k])) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

Utf8Char decode_utf8(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1};
  // The second byte's range depends on the lead (RFC 3629's table): that is
  // what rules out overlong forms, surrogates and code points past U+10FFFF.
  std::size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) length = 2;
  else if (b0 == 0xE0) length = 3, low = 0xA0;
  else if (b0 == 0xED) length = 3, high = 0x9F;
  else if (b0 >= 0xE1 && b0 <= 0xEF) length = 3;
  else if (b0 == 0xF0) length = 4, low = 0x90;
  else if (b0 == 0xF4) length = 4, high = 0x8F;
  else if (b0 >= 0xF1 && b0 <= 0xF3) length = 4;
  else return {};
  if (s.size() - i < length) return {};
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b1 < low || b1 > high) return {};
  char32_t cp = b0 & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if (!is_continuation(s[i + k])) return {};
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  return {cp, length};
}

int code_point_width(char32_t cp) {
  if (cp == 0) return 0;
  if (cp >= 0x300 && cp <= 0x36F) return 0;                      // combining marks
  if (cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F)) return 0;  // ZWJ, variation selectors
  // East Asian wide ranges, emoji blocks, and the single wide symbols jobmon prints (⌛ ⏳ ⚠ ✅ ❌).
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
      (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  if (cp == 0x231B || cp == 0x23F3 || cp == 0x26A0 || cp == 0x2705 || cp == 0x274C) return 2;
  return 1;
}

std::size_t escape_sequence_end(std::string_view s, std::size_t i) {
  std::size_t end = i + 1;
  if (end < s.size() && s[end] == '[') {
    ++end;
    while (end < s.size() && !(s[end] >= 0x40 && s[end] <= 0x7E)) ++end;
    if (end < s.size()) ++end;
  }
  return end;
}

TerminalUnit terminal_unit_at(std::string_view s, std::size_t i) {
  TerminalUnit unit;
  const Utf8Char c = decode_utf8(s, i);
  if (c.length == 0) {  // not UTF-8: the raw byte
    unit.escape = fmt::format("\\x{:02x}", static_cast<unsigned char>(s[i]));
    return unit;
  }
  unit.length = c.length;
  unit.code_point = c.code_point;
  switch (c.code_point) {
    case '\n': unit.escape = "\\n"; return unit;
    case '\r': unit.escape = "\\r"; return unit;
    case '\t': unit.escape = "\\t"; return unit;
    default: break;
  }
  if (c.code_point < 0x20 || c.code_point == 0x7F) {
    unit.escape = fmt::format("\\x{:02x}", static_cast<unsigned>(c.code_point));
  } else if (c.code_point >= 0x80 && c.code_point <= 0x9F) {
    unit.escape = fmt::format("\\u{:04x}", static_cast<unsigned>(c.code_point));
  }
  return unit;
}

void append_terminal_safe(std::string& out, std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // Runs of printable ASCII, most of any name, are copied whole.
    std::size_t plain = i;
    while (plain < s.size() && s[plain] >= 0x20 && s[plain] < 0x7F) ++plain;
    out.append(s.substr(i, plain - i));
    i = plain;
    if (i == s.size()) break;
    const TerminalUnit unit = terminal_unit_at(s, i);
    if (unit.escape.empty()) out.append(s.substr(i, unit.length));
    else out += unit.escape;
    i += unit.length;
  }
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Char c = decode_utf8(s, i);
    if (c.length == 0) return false;
    i += c.length;
  }
  return true;
}

}  // namespace jobmon::detail
