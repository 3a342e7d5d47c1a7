#include <catch2/catch.hpp>

#include "job_state_builder.hpp"
#include "jobmon/cli/status_view.hpp"

using namespace jobmon;

namespace {
std::shared_ptr<JobState> job(const std::string& name, std::int64_t world, std::int64_t done) {
  auto j = test::job_state(name, world, done);
  j->last_change_at = 1700000000;
  return j;
}
}  // namespace

TEST_CASE("StatusView: summary line is the reference's", "[cli]") {
  const auto agg = aggregate({job("tok_CC-MAIN-2014-23", 64, 64), job("tok_CC-MAIN-2014-35", 64, 63)}, 1700000100);
  CHECK(render_summary_line(agg.totals) == "Summary: 1/2 (50%) jobs completed, 127/128 (99%) tasks completed.");
  CHECK(whole_percent(63, 64) == 98);
  CHECK(whole_percent(999, 1000) == 99);  // never 100% while incomplete
  CHECK(whole_percent(1, 0) == 0);
}

TEST_CASE("StatusView: one line per job with icon, counts, percent, bar, tail", "[cli]") {
  auto failed = job("tok_b", 64, 63);
  failed->rank_issues = {RankIssue{63, RankState::failed, "RuntimeError: boom", std::nullopt}};
  recount_ranks(*failed);
  const auto agg = aggregate({job("tok_a", 64, 64), failed}, 1700000100);
  StatusViewOptions o;
  o.style = TermStyle{false, true};
  o.utc = true;
  o.bar_width = 10;
  const std::string text = render_job_lines(agg, o);
  CHECK(text.find("✅ tok_a: 64/64 (100%) ██████████ finished 2023-11-14 22:13:20 UTC\n") != std::string::npos);
  CHECK(text.find("❌ tok_b: 63/64 ( 98%) █████████▶ 1 failed") != std::string::npos);
  o.show_failed = true;
  const std::string detailed = render_job_lines(agg, o);
  CHECK(detailed.find("    incomplete ranks: 63\n") != std::string::npos);
  CHECK(detailed.find("    rank 63 failed: RuntimeError: boom\n") != std::string::npos);
  o.style = TermStyle{false, false};
  const std::string ascii = render_job_lines(agg, o);
  CHECK(ascii.find("[ok]   tok_a") != std::string::npos);
  CHECK(ascii.find("[FAIL] tok_b") != std::string::npos);
  for (unsigned char c : ascii) CHECK(c < 0x80);
}
