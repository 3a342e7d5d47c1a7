// jobmon-status --csv (see status_csv.hpp).
#include "jobmon/datatrove/status_csv.hpp"

#include "core/text/text.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/job_state.hpp"

namespace jobmon {
namespace {

std::string time_or_empty(const std::optional<double>& t) { return t ? format_iso8601(*t) : std::string(); }
std::string number_or_empty(const std::optional<double>& v) { return v ? detail::csv_number(*v) : std::string(); }

}  // namespace

std::string status_csv(const Aggregate& agg) {
  std::string out =
      "path,name,status,completed,world_size,percent,failed_ranks,failed_ranks_exact,eta_seconds,rate_per_hour,"
      "launched_at,last_activity_at,ended_at,duration_seconds,state_reason\r\n";
  for (const JobRow& row : agg.rows) {
    const JobState& job = *row.job;
    const std::vector<std::string> fields = {
        detail::csv_field(job.path),
        detail::csv_field(job.name),
        to_string(row.status),
        std::to_string(job.completed),
        std::to_string(job.world_size),
        std::to_string(static_cast<std::int64_t>(row.percent)),
        std::to_string(row.failed_ranks),
        row.failed_ranks_exact ? "true" : "false",
        number_or_empty(row.eta.remaining_seconds),
        row.eta.rate ? detail::csv_number(*row.eta.rate * 3600) : std::string(),
        time_or_empty(job.launched_at),
        time_or_empty(row.last_activity_at),
        time_or_empty(row.ended_at),
        number_or_empty(row.duration_seconds(agg.now)),
        detail::csv_field(row.state_reason),
    };
    out += detail::join(fields, ",") + "\r\n";
  }
  return out;
}

}  // namespace jobmon
