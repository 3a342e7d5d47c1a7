#include "jobmon/hub/hub_card.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <vector>

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/format.hpp"

namespace jobmon {

namespace {

std::int64_t bounded_rows(const CardProgress& p) {
  if (p.total <= 0 || p.rows < 0) return 0;
  return std::min(p.rows, p.total);
}

// "**name**: ..." -> name; empty when the line is not a config line.
std::string_view config_of(std::string_view line) {
  if (!line.starts_with("**")) return {};
  const std::size_t close = line.find("**: ", 2);
  if (close == std::string_view::npos || close == 2) return {};
  return line.substr(2, close - 2);
}

bool is_timestamp_line(std::string_view line) { return line.starts_with("*Last updated:"); }

std::string timestamp_line(double now) { return "*Last updated: " + format_timestamp(now, true) + "*"; }

// End of the front matter (just after its closing "---" line), or 0.
std::size_t front_matter_end(std::string_view readme) {
  if (!readme.starts_with("---\n") && !readme.starts_with("---\r\n")) return 0;
  std::size_t pos = readme.find('\n') + 1;
  while (pos < readme.size()) {
    std::size_t end = readme.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? readme.size() : end + 1;
    if (end == std::string_view::npos) end = readme.size();
    std::string_view line = readme.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "---") return next;
    pos = next;
  }
  return 0;  // never closed: not front matter
}

struct Section {
  std::size_t begin = 0, end = 0;  // byte range replaced in the README
  std::string_view body;           // what the old section held
  bool found = false;
};

// Where `marker` starts a line at or after `from` (npos when it never does).
std::size_t find_at_line_start(std::string_view text, std::string_view marker, std::size_t from) {
  std::size_t at = text.find(marker, from);
  while (at != std::string_view::npos && at != 0 && text[at - 1] != '\n') at = text.find(marker, at + 1);
  return at;
}

// Where `marker` last starts a line within [from, before) (npos when it never does).
std::size_t rfind_at_line_start(std::string_view text, std::string_view marker, std::size_t from, std::size_t before) {
  const std::string_view window = text.substr(from, before - from);
  std::size_t at = window.rfind(marker);
  while (at != std::string_view::npos && from + at != 0 && text[from + at - 1] != '\n')
    at = at == 0 ? std::string_view::npos : window.rfind(marker, at - 1);
  return at == std::string_view::npos ? at : from + at;
}

// Our marked section, or one the reference monitor wrote (header up to its
// "Last updated" line or the next heading).
Section find_section(std::string_view readme) {
  Section s;
  // The section is an end marker and the begin marker closest before it (and
  // after any earlier end): a stray begin or end line elsewhere (a hand edit, a
  // half-written card) must never pair with ours and take the text between.
  std::size_t previous_end = 0;
  for (std::size_t e = find_at_line_start(readme, card_section_end, 0); e != std::string_view::npos;
       e = find_at_line_start(readme, card_section_end, e + 1)) {
    const std::size_t b = rfind_at_line_start(readme, card_section_begin, previous_end, e);
    const std::size_t body_start = b == std::string_view::npos ? b : readme.find('\n', b);
    if (b != std::string_view::npos && body_start < e) {
      s.found = true;
      s.begin = b;
      s.body = readme.substr(body_start + 1, e - body_start - 1);
      const std::size_t line_end = readme.find('\n', e);
      s.end = line_end == std::string_view::npos ? readme.size() : line_end + 1;
      return s;
    }
    previous_end = e + 1;
  }
  const std::size_t h = find_at_line_start(readme, card_section_header, 0);
  if (h == std::string_view::npos) return s;
  std::size_t stop = readme.find("\n## ", h + card_section_header.size());
  stop = stop == std::string_view::npos ? readme.size() : stop + 1;
  std::size_t end = stop;
  // Up to (and including) the "Last updated" line inside that range.
  const std::size_t ts = readme.find("\n*Last updated:", h);
  if (ts != std::string_view::npos && ts < stop) {
    const std::size_t line_end = readme.find('\n', ts + 1);
    end = line_end == std::string_view::npos ? readme.size() : line_end + 1;
  }
  s.found = true;
  s.begin = h;
  s.end = end;
  s.body = readme.substr(h, end - h);
  return s;
}

std::string render_section(const std::vector<std::string>& lines, const std::string& stamp) {
  std::string out;
  out += card_section_begin;
  out += '\n';
  out += card_section_header;
  out += "\n\n";
  for (const auto& line : lines) out += line + "\n\n";
  out += stamp + "\n";
  out += card_section_end;
  out += '\n';
  return out;
}

}  // namespace

std::string format_card_count(std::int64_t value) {
  std::string out = format_thousands(value);
  if (value >= 1'000'000'000) out += fmt::format(" (≈{:.1f}B)", static_cast<double>(value) / 1e9);
  else if (value >= 1'000'000) out += fmt::format(" (≈{:.1f}M)", static_cast<double>(value) / 1e6);
  return out;
}

std::string format_card_remaining(double seconds) {
  if (!std::isfinite(seconds) || seconds < 60) return "< 1m";
  struct Unit {
    const char* label;
    double seconds;
  };
  static constexpr Unit units[] = {{"y", 365.25 * 86400}, {"mo", 30.44 * 86400}, {"w", 7 * 86400},
                                   {"d", 86400},          {"h", 3600},          {"m", 60}};
  std::string out;
  int parts = 0;
  double left = seconds;
  for (const Unit& unit : units) {
    if (left < unit.seconds) continue;
    const double count = std::floor(left / unit.seconds);
    left = std::fmod(left, unit.seconds);
    if (parts) out += ' ';
    out += fmt::format("{}{}", static_cast<std::int64_t>(count), unit.label);
    if (++parts == 2) break;
  }
  return out;
}

std::string format_card_date(double epoch_seconds) {
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (!std::isfinite(epoch_seconds)) return "?";
  const auto t = static_cast<std::time_t>(std::floor(epoch_seconds));
  std::tm parts{};
  gmtime_r(&t, &parts);
  return fmt::format("{} {:02} {}, {:02}:{:02} UTC", months[parts.tm_mon], parts.tm_mday, parts.tm_year + 1900,
                     parts.tm_hour, parts.tm_min);
}

std::string render_progress_bar_text(const CardProgress& p) {
  const std::int64_t done = bounded_rows(p);
  // Same float arithmetic as the reference, so percent and dots truncate alike.
  const double fraction = p.total > 0 ? static_cast<double>(done) / static_cast<double>(p.total) : 0.0;
  const int percent = static_cast<int>(fraction * 100);
  const int filled = static_cast<int>(fraction * 20);
  std::string bar = "[";
  for (int i = 0; i < 20; ++i) bar += i < filled ? "●" : "○";
  bar += "]";
  std::string text = fmt::format("{} {}% • {}/{} docs<br>", bar, percent, format_card_count(done), format_card_count(p.total));
  if (p.state == CardState::complete || (p.total > 0 && done >= p.total)) return text + "✅ Complete";
  if (p.state == CardState::stopped) {
    return text + "⚠️ Stopped" + (p.stopped_reason.empty() ? std::string() : ": " + p.stopped_reason);
  }
  if (done == 0) return text + "⏱️ waiting for first shard upload...";
  if (!p.remaining_seconds || !std::isfinite(*p.remaining_seconds)) return text + "⏱️ estimating remaining time...";
  return text + fmt::format("⏱️ {} remaining • 📅 {}", format_card_remaining(*p.remaining_seconds),
                            format_card_date(p.now + *p.remaining_seconds));
}

std::string render_progress_line(const CardProgress& p) {
  return "**" + p.config + "**: " + render_progress_bar_text(p);
}

std::vector<std::string> card_configs(std::string_view readme) {
  std::vector<std::string> configs;
  const Section section = find_section(readme);
  if (!section.found) return configs;
  for (std::string_view line : detail::split_lines(section.body)) {
    if (const std::string_view name = config_of(line); !name.empty()) configs.emplace_back(name);
  }
  return configs;
}

std::string update_card(std::string_view readme, const CardProgress& progress) {
  const std::string new_line = render_progress_line(progress);
  const Section section = find_section(readme);

  std::vector<std::string> lines;  // config lines, in order
  std::string old_stamp;
  bool replaced = false, changed = true;
  if (section.found) {
    for (std::string_view line : detail::split_lines(section.body)) {
      while (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // all of them: each update must give the same line
      if (is_timestamp_line(line)) {
        old_stamp = std::string(line);
      } else if (const std::string_view name = config_of(line); !name.empty()) {
        if (name == progress.config) {
          changed = line != new_line;
          lines.push_back(new_line);
          replaced = true;
        } else {
          lines.emplace_back(line);
        }
      }
    }
  }
  if (!replaced) lines.push_back(new_line);
  const std::string stamp = !changed && !old_stamp.empty() ? old_stamp : timestamp_line(progress.now);
  const std::string text = render_section(lines, stamp);

  std::string out;
  if (section.found) {
    out.reserve(readme.size() + text.size());
    out.append(readme.substr(0, section.begin));
    out.append(text);
    out.append(readme.substr(section.end));
    return out;
  }
  const std::size_t at = front_matter_end(readme);
  out.append(readme.substr(0, at));
  if (at > 0) out += '\n';
  out.append(text);
  if (at < readme.size()) out += '\n';
  out.append(readme.substr(at));
  return out;
}

}  // namespace jobmon
