#include "jobmon/datatrove/summary_line.hpp"

#include <fmt/format.h>

namespace jobmon {

int whole_percent(std::int64_t done, std::int64_t total) {
  if (total <= 0) return 0;
  return static_cast<int>((done * 100) / total);
}

std::string render_summary_line(const Totals& t) {
  return fmt::format("Summary: {}/{} ({}%) jobs completed, {}/{} ({}%) tasks completed.", t.jobs_completed,
                     t.jobs_total, whole_percent(t.jobs_completed, t.jobs_total), t.tasks_completed, t.tasks_total,
                     whole_percent(t.tasks_completed, t.tasks_total));
}

}  // namespace jobmon
