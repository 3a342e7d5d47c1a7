#include "jobmon/datatrove/summary_line.hpp"

#include <fmt/format.h>

#include <cmath>

namespace jobmon {

int reference_percent(std::int64_t done, std::int64_t total) {
  if (total <= 0) return 0;
  const double percent = static_cast<double>(done) / static_cast<double>(total) * 100.0;
  // To nearest, ties to even, on the exact binary value (the default
  // rounding mode), as Python's float formatting does; std::round would
  // take 12.5 to 13.
  return static_cast<int>(std::nearbyint(percent));
}

int whole_percent(std::int64_t done, std::int64_t total) {
  if (total <= 0) return 0;
  return static_cast<int>((done * 100) / total);
}

std::string render_summary_line(const Totals& t) {
  return fmt::format("Summary: {}/{} ({}%) jobs completed, {}/{} ({}%) tasks completed.", t.jobs_completed,
                     t.jobs_total, reference_percent(t.jobs_completed, t.jobs_total), t.tasks_completed,
                     t.tasks_total, reference_percent(t.tasks_completed, t.tasks_total));
}

}  // namespace jobmon
