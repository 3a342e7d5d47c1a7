#include "jobmon/cli/state_words.hpp"

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

}  // namespace jobmon
