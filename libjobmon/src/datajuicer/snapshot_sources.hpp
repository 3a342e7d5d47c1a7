// The work dir's side files: dag_execution_plan.json (planned partitions and
// operations) and job_summary.json (older writers' job record).
#pragma once

#include <string>
#include <string_view>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

// Why an entry that is not a regular file (a directory, FIFO, device,
// socket) is never read: a FIFO would block, a device may never end. `what`
// names what a regular file there would be ("an events file").
std::string not_regular_file_reason(EntryType type, std::string_view what);

// Missing file: loaded=false, no error. Not a regular file: error set, never read. Unreadable or malformed: error set.
DagInfo load_dag_plan(const Storage& storage, const std::string& path);
JobSummaryInfo load_job_summary(const Storage& storage, const std::string& path);

}  // namespace jobmon::detail
