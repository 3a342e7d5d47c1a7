// The dataset card: the reference progress line byte for byte, and the
// section replaced in place with the rest of README.md untouched.
#include <catch2/catch.hpp>

#include <string>

#include "jobmon/hub/hub_card.hpp"

using namespace jobmon;

namespace {

// 2026-11-22 12:00:00 UTC
constexpr double noon = 1795348800;

CardProgress running(std::int64_t rows, std::int64_t total, std::optional<double> remaining = {}) {
  CardProgress p;
  p.rows = rows;
  p.total = total;
  p.remaining_seconds = remaining;
  p.now = noon;
  return p;
}

const std::string front_matter = "---\nlicense: mit\nconfigs:\n- config_name: default\n  data_files: data/*.parquet\n---\n";
const std::string body = "# My dataset\n\nSome text, with trailing spaces   \n\n## Usage\n\n```python\nload_dataset(...)\n```\n";

}  // namespace

TEST_CASE("HubCard: the reference's progress line, byte for byte", "[hub]") {
  CHECK(render_progress_bar_text(running(3000, 5000, 2 * 3600 + 15 * 60)) ==
        "[●●●●●●●●●●●●○○○○○○○○] 60% • 3,000/5,000 docs<br>⏱️ 2h 15m remaining • 📅 Nov 22 2026, 14:15 UTC");
  CHECK(render_progress_bar_text(running(0, 5000)) ==
        "[○○○○○○○○○○○○○○○○○○○○] 0% • 0/5,000 docs<br>⏱️ waiting for first shard upload...");
  CHECK(render_progress_bar_text(running(5000, 5000)) == "[●●●●●●●●●●●●●●●●●●●●] 100% • 5,000/5,000 docs<br>✅ Complete");
  // More rows than expected: clamped to complete, like the reference.
  CHECK(render_progress_bar_text(running(9000, 5000)) == "[●●●●●●●●●●●●●●●●●●●●] 100% • 5,000/5,000 docs<br>✅ Complete");
  // Truncated, never rounded: 29/100 is 28% in float arithmetic, as in the reference (int(0.29*100)).
  CHECK(render_progress_bar_text(running(29, 100, 30)).substr(0, 70).find("] 28% •") != std::string::npos);
  CHECK(render_progress_bar_text(running(999, 1000, 30)).find("●○] 99% •") != std::string::npos);
  CHECK(render_progress_line(running(1'234'567, 2'500'000'000, 86400 * 9 + 3600)) ==
        "**default**: [○○○○○○○○○○○○○○○○○○○○] 0% • 1,234,567 (≈1.2M)/2,500,000,000 (≈2.5B) docs<br>"
        "⏱️ 1w 2d remaining • 📅 Dec 01 2026, 13:00 UTC");
  CardProgress stopped = running(10, 100);
  stopped.state = CardState::stopped;
  stopped.stopped_reason = "job 42 is no longer running";
  CHECK(render_progress_bar_text(stopped) == "[●●○○○○○○○○○○○○○○○○○○] 10% • 10/100 docs<br>⚠️ Stopped: job 42 is no longer running");
  CardProgress done = running(90, 100);
  done.state = CardState::complete;
  CHECK(render_progress_bar_text(done) == "[●●●●●●●●●●●●●●●●●●○○] 90% • 90/100 docs<br>✅ Complete");
  CHECK(render_progress_bar_text(running(10, 100)) == "[●●○○○○○○○○○○○○○○○○○○] 10% • 10/100 docs<br>⏱️ estimating remaining time...");
}

TEST_CASE("HubCard: remaining time and dates as the reference writes them", "[hub]") {
  CHECK(format_card_remaining(0) == "< 1m");
  CHECK(format_card_remaining(59.9) == "< 1m");
  CHECK(format_card_remaining(90) == "1m");
  CHECK(format_card_remaining(5400) == "1h 30m");
  CHECK(format_card_remaining(90000) == "1d 1h");
  CHECK(format_card_remaining(700000) == "1w 1d");
  CHECK(format_card_remaining(3000000) == "1mo 4d");
  CHECK(format_card_remaining(40000000) == "1y 3mo");
  CHECK(format_card_remaining(86400 + 300) == "1d 5m");  // units need not be adjacent
  CHECK(format_card_date(noon) == "Nov 22 2026, 12:00 UTC");
  CHECK(format_card_date(1780000000) == "May 28 2026, 20:26 UTC");
  CHECK(format_card_count(999'999) == "999,999");
  CHECK(format_card_count(1'000'000) == "1,000,000 (≈1.0M)");
  CHECK(format_card_count(3'460'000'000) == "3,460,000,000 (≈3.5B)");
}

TEST_CASE("HubCard: a section is inserted after the front matter, the rest kept byte for byte", "[hub]") {
  const std::string readme = front_matter + body;
  const std::string out = update_card(readme, running(3000, 5000, 8100));
  const std::string section =
      "<!-- jobmon-hub-progress:begin -->\n"
      "## 🔄 Generation Progress\n\n"
      "**default**: [●●●●●●●●●●●●○○○○○○○○] 60% • 3,000/5,000 docs<br>⏱️ 2h 15m remaining • 📅 Nov 22 2026, 14:15 UTC\n\n"
      "*Last updated: 2026-11-22 12:00:00 UTC*\n"
      "<!-- jobmon-hub-progress:end -->\n";
  CHECK(out == front_matter + "\n" + section + "\n" + body);

  SECTION("no front matter: at the top") { CHECK(update_card(body, running(3000, 5000, 8100)) == section + "\n" + body); }
  SECTION("empty README: the section alone") { CHECK(update_card("", running(3000, 5000, 8100)) == section); }
  SECTION("an unclosed '---' is not front matter") {
    const std::string odd = "---\nnot closed\n";
    CHECK(update_card(odd, running(3000, 5000, 8100)) == section + "\n" + odd);
  }
}

TEST_CASE("HubCard: the section is replaced in place, other configs kept, outside untouched", "[hub]") {
  CardProgress first = running(3000, 5000, 8100);
  const std::string v1 = update_card(front_matter + body, first);
  CardProgress math = running(0, 100);
  math.config = "math";
  math.now = noon + 60;
  const std::string v2 = update_card(v1, math);
  const std::string expected_section =
      "<!-- jobmon-hub-progress:begin -->\n"
      "## 🔄 Generation Progress\n\n"
      "**default**: [●●●●●●●●●●●●○○○○○○○○] 60% • 3,000/5,000 docs<br>⏱️ 2h 15m remaining • 📅 Nov 22 2026, 14:15 UTC\n\n"
      "**math**: [○○○○○○○○○○○○○○○○○○○○] 0% • 0/100 docs<br>⏱️ waiting for first shard upload...\n\n"
      "*Last updated: 2026-11-22 12:01:00 UTC*\n"
      "<!-- jobmon-hub-progress:end -->\n";
  CHECK(v2 == front_matter + "\n" + expected_section + "\n" + body);

  CardProgress later = running(5000, 5000);
  later.now = noon + 3600;
  const std::string v3 = update_card(v2, later);
  CHECK(v3.find("**default**: [●●●●●●●●●●●●●●●●●●●●] 100% • 5,000/5,000 docs<br>✅ Complete\n\n**math**:") != std::string::npos);
  CHECK(v3.find("*Last updated: 2026-11-22 13:00:00 UTC*") != std::string::npos);
  CHECK(v3.substr(0, front_matter.size()) == front_matter);
  CHECK(v3.substr(v3.size() - body.size()) == body);

  // Edits a user made around the section survive.
  const std::string edited = "Intro line\n" + v3 + "\nfooter\n";
  CardProgress again = later;
  again.rows = 4000;
  again.remaining_seconds = 60;
  const std::string v4 = update_card(edited, again);
  CHECK(v4.substr(0, 11) == "Intro line\n");
  CHECK(v4.substr(v4.size() - 8) == "\nfooter\n");
}

TEST_CASE("HubCard: nothing changed gives the identical README (no commit)", "[hub]") {
  CardProgress done = running(5000, 5000);
  const std::string v1 = update_card(front_matter + body, done);
  done.now += 7200;  // later poll, same state: the timestamp is not refreshed
  CHECK(update_card(v1, done) == v1);
  done.rows = 4999;
  done.remaining_seconds = 10;
  CHECK(update_card(v1, done) != v1);
}

TEST_CASE("HubCard: a section the reference monitor wrote is adopted in place", "[hub]") {
  const std::string reference_section =
      "## 🔄 Generation Progress\n\n"
      "**default**: [○○○○○○○○○○○○○○○○○○○○] 0% • 0/5,000 docs<br>⏱️ waiting for first shard upload...\n\n"
      "**other**: [●●●●●●●●●●○○○○○○○○○○] 50% • 50/100 docs<br>⏱️ 1h remaining • 📅 Nov 22 2026, 13:00 UTC\n\n"
      "*Last updated: 2026-11-22 11:00:00 UTC*\n";
  const std::string readme = front_matter + body + "\n" + reference_section + "\n## Citation\n\ncite me\n";
  const std::string out = update_card(readme, running(5000, 5000));
  const std::string expected =
      front_matter + body + "\n" +
      "<!-- jobmon-hub-progress:begin -->\n"
      "## 🔄 Generation Progress\n\n"
      "**default**: [●●●●●●●●●●●●●●●●●●●●] 100% • 5,000/5,000 docs<br>✅ Complete\n\n"
      "**other**: [●●●●●●●●●●○○○○○○○○○○] 50% • 50/100 docs<br>⏱️ 1h remaining • 📅 Nov 22 2026, 13:00 UTC\n\n"
      "*Last updated: 2026-11-22 12:00:00 UTC*\n"
      "<!-- jobmon-hub-progress:end -->\n"
      "\n## Citation\n\ncite me\n";
  CHECK(out == expected);
}

TEST_CASE("HubCard: a stray begin or end marker never pairs with our section", "[hub]") {
  const std::string begin(card_section_begin), end(card_section_end);
  SECTION("a stray begin inside the front matter (fuzz regression): the front matter survives two updates") {
    const std::string readme = "---\na: 1\n" + begin + "\nb: 2\n---\n# Title\n";
    const std::string v1 = update_card(readme, running(3000, 5000, 8100));
    const std::string v2 = update_card(v1, running(4000, 5000, 8200));
    CHECK(v2.find("\nb: 2\n---\n") != std::string::npos);
    CHECK(v2.find("# Title\n") != std::string::npos);
    CHECK(v2.find("4,000/5,000") != std::string::npos);
    CHECK(v2.find("3,000/5,000") == std::string::npos);
  }
  SECTION("a stray end before our section: the text between is kept, our section replaced") {
    const std::string v1 = update_card("# Title\n", running(3000, 5000, 8100));
    const std::string edited = "intro\n" + end + "\nkeep me\n" + v1;
    const std::string v2 = update_card(edited, running(4000, 5000, 8200));
    CHECK(v2.find("intro\n" + end + "\nkeep me\n") == 0);
    CHECK(v2.find("4,000/5,000") != std::string::npos);
    CHECK(v2.find("3,000/5,000") == std::string::npos);
  }
}

TEST_CASE("HubCard: a section line ending in several carriage returns is the same after every update", "[hub]") {
  // Found by fuzz_hub_card in CI: one \r was stripped per update, so updates never settled.
  const std::string v1 = update_card("# Title\n", running(3000, 5000, 8100));
  const std::string begin = std::string(card_section_begin) + "\n";
  std::string edited = v1;
  edited.insert(edited.find(begin) + begin.size(), "**other**: kept\r\r\r\n");
  const std::string once = update_card(edited, running(3000, 5000, 8100));
  CHECK(update_card(once, running(3000, 5000, 8100)) == once);
}
