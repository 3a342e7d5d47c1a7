#include "jobmon/cli/render.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

namespace jobmon {
namespace {

std::string env_or_empty(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

bool locale_is_utf8() {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const std::string v = env_or_empty(name);
    if (v.empty()) continue;
    std::string lower;
    for (char c : v) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return lower.find("utf-8") != std::string::npos || lower.find("utf8") != std::string::npos;
  }
  return true;  // no locale set at all: modern terminals are UTF-8
}

// Decodes one UTF-8 code point at s[i], advancing i; invalid bytes count as one.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int extra = b0 < 0x80 ? 0 : (b0 >> 5) == 0x6 ? 1 : (b0 >> 4) == 0xE ? 2 : (b0 >> 3) == 0x1E ? 3 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k <= extra; ++k) {
    if ((static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
  }
  char32_t cp = extra == 0 ? b0 : (b0 & (0x3F >> extra));
  for (int k = 1; k <= extra; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F);
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

int code_point_width(char32_t cp) {
  if (cp == 0) return 0;
  if (cp >= 0x300 && cp <= 0x36F) return 0;    // combining marks
  if (cp == 0x200D || (cp >= 0xFE00 && cp <= 0xFE0F)) return 0;  // ZWJ, variation selectors
  // East Asian wide ranges, emoji blocks, and the single wide symbols jobmon prints (⌛ ⏳ ⚠ ✅ ❌).
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
      (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  if (cp == 0x231B || cp == 0x23F3 || cp == 0x26A0 || cp == 0x2705 || cp == 0x274C) return 2;
  return 1;
}

}  // namespace

TermStyle detect_term_style(int fd, ColorMode mode) {
  TermStyle style;
  const std::string term = env_or_empty("TERM");
  const bool dumb = term == "dumb";
  style.unicode = !dumb && locale_is_utf8();
  switch (mode) {
    case ColorMode::always: style.color = true; break;
    case ColorMode::never: style.color = false; break;
    case ColorMode::automatic:
      style.color = ::isatty(fd) == 1 && std::getenv("NO_COLOR") == nullptr && !dumb;
      if (const char* no_color = std::getenv("NO_COLOR"); no_color != nullptr && no_color[0] == '\0') {
        // The NO_COLOR convention: set and non-empty disables colour; empty is as unset.
        style.color = ::isatty(fd) == 1 && !dumb;
      }
      break;
  }
  return style;
}

std::string paint(const TermStyle& style, Color color, std::string_view text) {
  if (!style.color || color == Color::none) return std::string(text);
  const char* code = "";
  switch (color) {
    case Color::red: code = "31"; break;
    case Color::green: code = "32"; break;
    case Color::yellow: code = "33"; break;
    case Color::blue: code = "34"; break;
    case Color::magenta: code = "35"; break;
    case Color::cyan: code = "36"; break;
    case Color::gray: code = "90"; break;
    case Color::bold: code = "1"; break;
    case Color::none: break;
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

std::string render_bar(const TermStyle& style, int width, double fraction, double fraction_before) {
  if (width <= 0) return {};
  fraction = std::clamp(std::isfinite(fraction) ? fraction : 0.0, 0.0, 1.0);
  if (fraction_before < 0 || !std::isfinite(fraction_before)) fraction_before = fraction;
  fraction_before = std::clamp(fraction_before, 0.0, fraction);
  const int filled = static_cast<int>(std::floor(fraction * width));
  const int old_filled = std::min(filled, static_cast<int>(std::floor(fraction_before * width)));
  const bool complete = fraction >= 1.0;
  const char* solid = style.unicode ? "█" : "#";
  const char* fresh = style.unicode ? "▓" : "+";
  const char* cursor = style.unicode ? "▶" : ">";
  const char* empty = style.unicode ? "░" : ".";
  std::string old_part, new_part, rest;
  for (int i = 0; i < old_filled; ++i) old_part += solid;
  for (int i = old_filled; i < filled; ++i) new_part += fresh;
  int remaining = width - filled;
  if (!complete && remaining > 0) {
    rest += cursor;
    --remaining;
  }
  std::string tail;
  for (int i = 0; i < remaining; ++i) tail += empty;
  const Color done_color = complete ? Color::green : Color::cyan;
  return paint(style, done_color, old_part) + paint(style, Color::green, new_part) + paint(style, Color::yellow, rest) +
         paint(style, Color::gray, tail);
}

int display_width(std::string_view text) {
  int width = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\x1b') {  // skip CSI sequences
      ++i;
      if (i < text.size() && text[i] == '[') {
        ++i;
        while (i < text.size() && !(text[i] >= 0x40 && text[i] <= 0x7E)) ++i;
        if (i < text.size()) ++i;
      }
      continue;
    }
    width += code_point_width(next_code_point(text, i));
  }
  return width;
}

std::string fit(const TermStyle& style, std::string_view text, int width) {
  if (width <= 0) return {};
  const int w = display_width(text);
  if (w <= width) return std::string(text) + std::string(static_cast<std::size_t>(width - w), ' ');
  // Truncate by code points (text here carries no escape sequences).
  std::string out;
  int used = 0;
  std::size_t i = 0;
  const int budget = width - 1;
  while (i < text.size()) {
    const std::size_t start = i;
    const int cw = code_point_width(next_code_point(text, i));
    if (used + cw > budget) break;
    out.append(text.substr(start, i - start));
    used += cw;
  }
  out += style.unicode ? "…" : "~";
  ++used;
  return out + std::string(static_cast<std::size_t>(std::max(0, width - used)), ' ');
}

}  // namespace jobmon
