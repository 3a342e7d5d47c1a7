// Whether two reads of a job give the scheduler join the same inputs, so
// that its last join can stand: the Scanner re-reads an incomplete job's
// task logs every log_refresh_seconds into a new JobState, most often with
// the same facts. Private to libjobmon.
#pragma once

#include "jobmon/datatrove/job.hpp"

namespace jobmon::detail {

// Every fact launch_arrays and join_job_scheduling read (markers, the task
// logs' states, the launch files, the slurm logs listing with each log's
// mtime and size, so a grown log's tail is read again), and nothing else.
bool same_join_inputs(const JobState& a, const JobState& b);

}  // namespace jobmon::detail
