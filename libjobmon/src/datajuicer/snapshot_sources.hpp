// The work dir's side files: dag_execution_plan.json (planned partitions and
// operations) and job_summary.json (older writers' job record).
#pragma once

#include <string>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

// Missing file: loaded=false, no error. Unreadable or malformed: error set.
DagInfo load_dag_plan(const Storage& storage, const std::string& path);
JobSummaryInfo load_job_summary(const Storage& storage, const std::string& path);

}  // namespace jobmon::detail
