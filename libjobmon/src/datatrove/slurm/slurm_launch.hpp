// Reading what datatrove wrote for Slurm beside a job (JobState::slurm):
// Slurm keys of executor.json, launch_script.slurm, ranks_to_run.json and
// the listing of the slurm logs dir. Private to libjobmon.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

// The Slurm executor's attributes as executor.json keeps them.
struct SlurmExecutorKeys {
  bool present = false;  // keys only SlurmPipelineExecutor writes were seen
  std::string job_name;
  std::optional<std::int64_t> tasks_per_job, max_array_size;
  std::string slurm_logs_folder;
};
SlurmExecutorKeys slurm_executor_keys(const boost::json::object& executor);

// `#SBATCH` lines of a launch script: --job-name/-J, --output/-o, --array/-a.
struct LaunchScript {
  std::string job_name, output, array;
};
LaunchScript parse_launch_script(std::string_view text);

// "98215_42.out" -> ("98215", 42); nothing for any other name.
std::optional<std::pair<std::string, std::int64_t>> parse_slurm_log_name(std::string_view name);

// Fills job.slurm for a freshly read job. Never throws: what cannot be read
// is left out, with a warning on the job when it should have been there.
void read_slurm_launch(const Storage& storage, const SlurmExecutorKeys& keys, JobState& job, const ScanOptions& options);

// What moves while the job runs: the logs dir listing (listed again when its
// mtime changed) and ranks_to_run.json (read again when its mtime changed).
void refresh_slurm_launch(const Storage& storage, JobState& job, const ScanOptions& options);

}  // namespace jobmon::detail
