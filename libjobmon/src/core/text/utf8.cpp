#include "core/text/utf8.hpp"

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

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x20 || b == 0x7f) {
      out += '?';
    } else if (b == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9F &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80) {
      out += '?';  // a C1 control (U+0080..U+009F)
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace jobmon::detail
