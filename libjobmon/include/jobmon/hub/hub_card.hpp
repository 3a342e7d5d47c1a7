// The dataset card's progress section: the reference monitor's progress line
// (20 dots, truncated percent, counts, remaining time and finish date) inside
// a section we own, delimited by HTML-comment markers so it can be replaced in
// place. Everything outside the markers stays byte for byte. Pure functions:
// no clock, no I/O (time comes in as a parameter).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmon {

inline constexpr std::string_view card_section_begin = "<!-- jobmon-hub-progress:begin -->";
inline constexpr std::string_view card_section_end = "<!-- jobmon-hub-progress:end -->";
inline constexpr std::string_view card_section_header = "## 🔄 Generation Progress";

enum class CardState { running, complete, stopped };

struct CardProgress {
  std::string config = "default";
  std::int64_t rows = 0;
  std::int64_t total = 0;
  CardState state = CardState::running;
  std::optional<double> remaining_seconds;  // running with an estimate
  double now = 0;                           // epoch seconds: finish date and "Last updated"
  std::string stopped_reason;               // for CardState::stopped
};

// "3,000"; above a million also "(≈1.2M)" / "(≈3.4B)".
std::string format_card_count(std::int64_t value);
// The reference's remaining time: "< 1m", "1h 30m", "1d 1h", "1w 1d", "1mo 4d", "1y 3mo".
std::string format_card_remaining(double seconds);
// "Nov 27 2026, 18:30 UTC".
std::string format_card_date(double epoch_seconds);

// "[●●●●●●●●●●●●○○○○○○○○] 60% • 3,000/5,000 docs<br>⏱️ 2h 15m remaining • 📅 Nov 27 2026, 18:30 UTC"
std::string render_progress_bar_text(const CardProgress& progress);
// "**default**: " + the bar text.
std::string render_progress_line(const CardProgress& progress);

// The configs that have a line in the README's progress section, in order.
std::vector<std::string> card_configs(std::string_view readme);

// The README with this config's line put into the progress section: the
// line replaced in place (other configs' lines kept), or added; the section
// created after the front matter when absent (also adopting a section that
// the reference monitor wrote without markers). "Last updated" changes only
// when a progress line did, so an unchanged job gives an identical README
// (and the caller skips the commit).
std::string update_card(std::string_view readme, const CardProgress& progress);

}  // namespace jobmon
