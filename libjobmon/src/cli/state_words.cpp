#include "jobmon/cli/state_words.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "jobmon/format.hpp"

namespace jobmon {

std::string failed_count_text(const JobRow& row) {
  return fmt::format("{}{} failed", row.failed_ranks_exact ? "" : ">=", row.failed_ranks);
}

std::string failed_ranks_text(const Totals& t) {
  return fmt::format("{}{} failed rank{}", t.tasks_failed_exact ? "" : ">=", format_thousands(t.tasks_failed),
                     t.tasks_failed == 1 ? "" : "s");
}

std::string stopped_text(const JobRow& row, double now) {
  if (!row.ended_at) return {};
  return fmt::format("stopped {} ago", format_duration(std::max(0.0, now - *row.ended_at)));
}

}  // namespace jobmon
