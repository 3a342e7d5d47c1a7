// Slurm's view of a job, as the reference monitor asks it: a job is gone when
// `squeue -h -j ID` prints nothing. Public because the hub-progress command
// (cli room) stops on it and a caller with its own loop may want the same.
#pragma once

#include <optional>
#include <string>

namespace jobmon {

// Whether `squeue -h -j ID` lists the job: true/false, nothing when squeue
// could not be run.
std::optional<bool> slurm_job_listed(const std::string& job_id);

}  // namespace jobmon
