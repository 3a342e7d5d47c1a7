#include "jobmon/job_state.hpp"

namespace jobmon {

const char* to_string(JobStatus status) {
  switch (status) {
    case JobStatus::running: return "running";
    case JobStatus::failed: return "failed";
    case JobStatus::stalled: return "stalled";
    case JobStatus::pending: return "pending";
    case JobStatus::complete: return "complete";
  }
  return "unknown";
}

std::optional<JobStatus> parse_job_status(std::string_view word) {
  for (JobStatus s : {JobStatus::running, JobStatus::failed, JobStatus::stalled, JobStatus::pending, JobStatus::complete}) {
    if (word == to_string(s)) return s;
  }
  return std::nullopt;
}

}  // namespace jobmon
