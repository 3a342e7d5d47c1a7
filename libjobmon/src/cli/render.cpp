#include "jobmon/cli/render.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

#include "core/system/environment.hpp"
#include "core/text/text.hpp"
#include "core/text/utf8.hpp"

namespace jobmon {
namespace {

bool locale_is_utf8() {
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const std::string v = detail::env_or_empty(name);
    if (v.empty()) continue;
    const std::string lower = detail::ascii_lower(v);
    return lower.find("utf-8") != std::string::npos || lower.find("utf8") != std::string::npos;
  }
  return true;  // no locale set at all: modern terminals are UTF-8
}

}  // namespace

TermStyle detect_term_style(int fd, ColorMode mode) {
  TermStyle style;
  const std::string term = detail::env_or_empty("TERM");
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

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  detail::append_terminal_safe(out, text);
  return out;
}

std::string terminal_safe_lines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    detail::append_terminal_safe(out, text.substr(start, end - start));
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

namespace {

// Columns a unit takes once terminal_safe has shown it.
int unit_width(const detail::TerminalUnit& unit) {
  return unit.escape.empty() ? detail::code_point_width(unit.code_point) : static_cast<int>(unit.escape.size());
}

}  // namespace

int display_width(std::string_view text) {
  int width = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '\x1b') {  // escape sequences (colours) take no columns
      i = detail::escape_sequence_end(text, i);
    } else if (c >= 0x20 && c < 0x7F) {
      ++width;
      ++i;
    } else {
      const detail::TerminalUnit unit = detail::terminal_unit_at(text, i);
      width += unit_width(unit);
      i += unit.length;
    }
  }
  return width;
}

std::string fit(const TermStyle& style, std::string_view text, int width) {
  if (width <= 0) return {};
  const std::string safe = terminal_safe(text);
  const int w = display_width(safe);
  if (w <= width) return safe + std::string(static_cast<std::size_t>(width - w), ' ');
  // Cut by whole units of the raw text, so an escape is shown whole or not at all.
  std::string out;
  int used = 0;
  const int budget = width - 1;
  for (std::size_t i = 0; i < text.size();) {
    const detail::TerminalUnit unit = detail::terminal_unit_at(text, i);
    const int uw = unit_width(unit);
    if (used + uw > budget) break;
    if (unit.escape.empty()) out.append(text.substr(i, unit.length));
    else out += unit.escape;
    used += uw;
    i += unit.length;
  }
  out += style.unicode ? "…" : "~";
  ++used;
  return out + std::string(static_cast<std::size_t>(std::max(0, width - used)), ' ');
}

}  // namespace jobmon
