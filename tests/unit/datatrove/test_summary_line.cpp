// The summary line is datatrove's byte for byte, rounding included: checked
// against Python's own `f"{done / total:.0%}"` for thousands of pairs.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "jobmon/datatrove/summary_line.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

namespace {

constexpr const char* python = "/usr/bin/python3";

// Every done <= total up to 100, then, for bigger totals, the pairs whose
// percentage lies near a half (where the rounding rules part ways).
std::vector<std::pair<std::int64_t, std::int64_t>> pairs_to_check() {
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
  for (std::int64_t total = 1; total <= 100; ++total)
    for (std::int64_t done = 0; done <= total; ++done) pairs.emplace_back(done, total);
  for (const std::int64_t total : {128LL, 200LL, 256LL, 400LL, 1000LL, 2000LL, 4096LL, 10000LL, 1000000LL, 2000000000LL}) {
    for (std::int64_t half = 1; half < 200; half += 2) {  // percent = half / 2
      const std::int64_t done = total * half / 200;
      for (const std::int64_t d : {done - 1, done, done + 1})
        if (d >= 0 && d <= total) pairs.emplace_back(d, total);
    }
  }
  return pairs;
}

}  // namespace

TEST_CASE("SummaryLine: datatrove's words and rounding", "[datatrove]") {
  Totals t;
  t.jobs_total = 2;
  t.jobs_completed = 1;
  t.tasks_total = 128;
  t.tasks_completed = 127;
  CHECK(render_summary_line(t) == "Summary: 1/2 (50%) jobs completed, 127/128 (99%) tasks completed.");
  t.tasks_total = 48;
  t.tasks_completed = 33;
  CHECK(render_summary_line(t) == "Summary: 1/2 (50%) jobs completed, 33/48 (69%) tasks completed.");
  CHECK(reference_percent(33, 48) == 69);   // 68.75: to nearest, where a floor says 68
  CHECK(reference_percent(1, 8) == 12);     // 12.5: ties to even
  CHECK(reference_percent(3, 8) == 38);     // 37.5: ties to even
  CHECK(reference_percent(127, 128) == 99);
  CHECK(reference_percent(255, 256) == 100);  // rounds up to 100 while one task is left, as datatrove does
  CHECK(reference_percent(1, 200) == 0);    // 0.005 * 100 is exactly 0.5 as a double: ties to even
  CHECK(reference_percent(0, 5) == 0);
  CHECK(reference_percent(5, 5) == 100);
  CHECK(reference_percent(1, 0) == 0);      // no total: 0 rather than a division by zero
  // The per-job percentage stays floored: 100 only when complete.
  CHECK(whole_percent(255, 256) == 99);
  CHECK(whole_percent(33, 48) == 68);
  CHECK(whole_percent(1, 0) == 0);
}

TEST_CASE("SummaryLine: the percentage equals Python's {:.0%} for every pair checked", "[datatrove]") {
  if (::access(python, X_OK) != 0) {
    WARN("no /usr/bin/python3: the comparison with Python's formatting was not run");
    return;
  }
  const auto pairs = pairs_to_check();
  test::TempTree tree;
  {
    std::ofstream out(tree.path("pairs.txt"));
    for (const auto& [done, total] : pairs) out << done << ' ' << total << '\n';
  }
  const std::string command = std::string(python) +
                              " -c 'import sys\nfor line in sys.stdin:\n    d, t = map(int, line.split())\n"
                              "    print(f\"{d / t:.0%}\")' < " + tree.path("pairs.txt");
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::vector<std::string> answers;
  char line[64];
  while (std::fgets(line, sizeof line, pipe) != nullptr) answers.emplace_back(line);
  REQUIRE(::pclose(pipe) == 0);
  REQUIRE(answers.size() == pairs.size());
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const std::string ours = std::to_string(reference_percent(pairs[i].first, pairs[i].second)) + "%\n";
    if (ours != answers[i]) {
      ++mismatches;
      FAIL_CHECK(pairs[i].first << "/" << pairs[i].second << ": jobmon " << ours << " python " << answers[i]);
    }
  }
  CHECK(mismatches == 0);
  CHECK(pairs.size() > 5000);
}
