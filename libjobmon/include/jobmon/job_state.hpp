// The state words every tool shows for a job of any kind (datatrove,
// Data-Juicer): jobmon-status, the dashboard, jobmon-serve, /metrics and
// Python all say one of these five. Each kind decides its own state from its
// own files (datatrove/job_status.hpp, datajuicer/snapshot.hpp).
#pragma once

#include <optional>
#include <string_view>

namespace jobmon {

enum class JobStatus { running, failed, stalled, pending, complete };

const char* to_string(JobStatus status);
// The status whose to_string is `word`; nothing for any other word.
std::optional<JobStatus> parse_job_status(std::string_view word);

}  // namespace jobmon
