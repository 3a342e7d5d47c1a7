// squeue as the reference monitor uses it: a job is gone when
// `squeue -h -j ID` prints nothing.
#include "jobmon/hub/squeue.hpp"

#include <optional>
#include <string>

#include "core/system/subprocess.hpp"

namespace jobmon {

std::optional<bool> slurm_job_listed(const std::string& job_id) {
  // argv, not a shell: the job id is never interpreted. A hung squeue is
  // killed at the deadline and counts as "could not be run".
  detail::CommandLimits limits;
  limits.timeout_seconds = 30;
  limits.max_output_bytes = 1u << 20;
  const auto r = detail::run_command({"squeue", "-h", "-j", job_id}, limits);
  if (!r.started || r.timed_out || r.output_too_large || !r.exit_code || *r.exit_code == 127) return std::nullopt;
  // squeue exits non-zero for an id it no longer knows ("Invalid job id"): gone.
  return r.out.find_first_not_of(" \t\r\n") != std::string::npos;
}

}  // namespace jobmon
