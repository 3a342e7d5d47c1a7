// Whether the batch scheduler still runs a job, asked through the scheduler
// room's query (one `squeue --json` + `sacct --json -j ID` per question for
// Slurm, bounded by a timeout). The hub-progress command (cli room) stops on
// it; a caller with its own loop may want the same.
#pragma once

#include <optional>
#include <string>

#include "jobmon/scheduler/scheduler_query.hpp"

namespace jobmon {

// true while any task of job ID ("34", or one array task "34_7") is live
// (pending, running, suspended, requeued); false once the scheduler says they
// all ended, or its queue answered and knows nothing of the job (long gone);
// nothing when no scheduler answered (its commands absent, failing or timed
// out): "could not be asked".
std::optional<bool> scheduler_job_live(SchedulerQuery& query, const std::string& job_id, double now);

}  // namespace jobmon
