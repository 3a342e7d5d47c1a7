// Per-step figures of a datatrove job, from its stats files: the merged
// stats.json when the merge step wrote it, else the per-rank stats/NNNNN.json
// of the ranks done so far (bounded: a job of 10,000 ranks is sampled, and
// the answer says how many were read). And a preview of its executor.json
// (workers, tasks, depends, the pipeline) for jobs that have not started.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

struct StepStatsLimits {
  std::size_t max_rank_files = 256;          // per-rank stats files read for one answer
  std::uint64_t max_file_bytes = 4 << 20;    // each stats file
};

// {"source": "stats.json" | "stats/" | null, "ranks_read": n, "rank_files": total,
//  "steps": [{"name", "time_seconds", "documents", "stats": {key: total}}],
//  "problems": ["stats/00003.json: corrupt (...)"]}.
// Steps are summed by position (every rank runs the same pipeline).
boost::json::object step_stats(const Storage& storage, const std::string& job_dir, const StepStatsLimits& limits = {});

// {"tasks", "workers", "depends", "skip_completed", "job_name", "partition", "time", "pipeline":
//  [{"index", "summary"}]} from executor.json; {"error"} when it cannot be read.
boost::json::object executor_preview(const Storage& storage, const std::string& job_dir);

}  // namespace jobmon::detail
