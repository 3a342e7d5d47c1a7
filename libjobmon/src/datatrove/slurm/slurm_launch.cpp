// What datatrove wrote for Slurm: read once with the job, refreshed as tasks start.
#include "datatrove/slurm/slurm_launch.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/text/text.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace {

// Slurm log files kept per job: one per array task, across every launch.
constexpr std::size_t max_slurm_logs = 1'000'000;
constexpr std::uint64_t max_launch_script_bytes = 1u << 20;

// tasks_per_job and max_array_size: 1 to 10^9 (Slurm's own limits are far
// lower); anything else is ignored, so index arithmetic cannot overflow.
std::optional<std::int64_t> positive_int(const boost::json::value* v) {
  constexpr std::int64_t max_count = 1'000'000'000;
  if (v == nullptr || !v->is_int64() || v->as_int64() <= 0 || v->as_int64() > max_count) return std::nullopt;
  return v->as_int64();
}

std::string string_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// Numeric order of Slurm ids ("9" before "10"), then the index.
bool log_before(const SlurmLogFile& a, const SlurmLogFile& b) {
  if (a.array_job_id.size() != b.array_job_id.size()) return a.array_job_id.size() < b.array_job_id.size();
  if (a.array_job_id != b.array_job_id) return a.array_job_id < b.array_job_id;
  return a.index < b.index;
}

// The directory part of an output pattern, when it names no task ("%A" in
// a directory name would differ per task).
std::string pattern_dir(std::string_view pattern) {
  const auto slash = pattern.rfind('/');
  if (slash == std::string_view::npos) return {};
  const std::string_view dir = pattern.substr(0, slash);
  if (dir.find('%') != std::string_view::npos) return {};
  return std::string(dir.empty() ? "/" : dir);
}

// Where the slurm logs are: the launch script's --output dir, executor.json's
// slurm_logs_folder (absolute), else datatrove's default <job>/slurm_logs.
std::string logs_dir_of(const Storage& storage, const JobState& job, const SlurmExecutorKeys& keys,
                        const LaunchScript& script) {
  if (const std::string dir = pattern_dir(script.output); dir.starts_with('/')) return dir;
  if (keys.slurm_logs_folder.starts_with('/')) return keys.slurm_logs_folder;
  return storage.join(job.path, "slurm_logs");
}

void read_ranks_to_run(const Storage& storage, JobState& job, const ScanOptions& options) {
  SlurmLaunch& s = job.slurm;
  const std::string path = storage.join(job.path, "ranks_to_run.json");
  const FileStat st = storage.stat(path);
  if (st.type != EntryType::file) {
    s.has_ranks_to_run = false;
    s.ranks_to_run.clear();
    s.ranks_to_run_mtime.reset();
    // Absent: datatrove's first launch maps index i to rank i. Present but a
    // FIFO, a directory, unreadable: not mapped.
    s.ranks_to_run_unreadable = st.type != EntryType::missing || st.inaccessible();
    return;
  }
  if (s.ranks_to_run_mtime && *s.ranks_to_run_mtime == st.mtime) return;
  s.ranks_to_run_mtime = st.mtime;
  s.has_ranks_to_run = false;
  s.ranks_to_run.clear();
  // Until it is read as a list of distinct ranks, nothing is mapped (no guess).
  s.ranks_to_run_unreadable = true;
  std::string text;
  try {
    text = storage.read(path, options.max_executor_bytes);
  } catch (const StorageError& e) {
    job.warnings.push_back({path, std::string("cannot read ranks_to_run.json: ") + e.what()});
    return;
  }
  boost::system::error_code ec;
  const boost::json::value doc = boost::json::parse(text, ec);
  const auto* list = ec ? nullptr : doc.if_array();
  if (list == nullptr) {
    job.warnings.push_back({path, "ranks_to_run.json is not a JSON list of ranks: array tasks are not mapped to ranks"});
    return;
  }
  s.ranks_to_run.reserve(list->size());
  for (const auto& v : *list) {
    const auto rank = v.is_int64() ? std::optional<std::int64_t>(v.as_int64()) : std::nullopt;
    if (!rank || *rank < 0 || *rank >= job.world_size) {
      job.warnings.push_back({path, "ranks_to_run.json holds a value that is not a rank of this job: array tasks "
                                    "are not mapped to ranks"});
      s.ranks_to_run.clear();
      return;
    }
    s.ranks_to_run.push_back(*rank);
  }
  std::vector<std::int64_t> sorted = s.ranks_to_run;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    job.warnings.push_back({path, "ranks_to_run.json names a rank twice: array tasks are not mapped to ranks"});
    s.ranks_to_run.clear();
    return;
  }
  s.has_ranks_to_run = true;
  s.ranks_to_run_unreadable = false;
}

void list_logs(const Storage& storage, JobState& job) {
  SlurmLaunch& s = job.slurm;
  if (s.logs_dir.empty()) return;
  const FileStat st = storage.stat(s.logs_dir);
  if (st.type != EntryType::directory) {
    if (st.inaccessible()) job.warnings.push_back({s.logs_dir, "slurm logs not readable: " + st.error});
    s.logs.clear();
    s.logs_dir_mtime.reset();
    return;
  }
  // Object stores keep no directory mtime: list each time asked.
  if (s.logs_dir_mtime && *s.logs_dir_mtime == st.mtime && !storage.list_includes_mtime()) return;
  std::vector<DirEntry> entries;
  try {
    entries = storage.list(s.logs_dir, ListOptions{true, false});
  } catch (const StorageError& e) {
    job.warnings.push_back({s.logs_dir, std::string("cannot list slurm logs: ") + e.what()});
    return;
  }
  s.logs_dir_mtime = st.mtime;
  s.logs.clear();
  s.logs_truncated = false;
  for (const auto& e : entries) {
    const auto id = parse_slurm_log_name(e.name);
    if (!id || e.type != EntryType::file) continue;
    if (s.logs.size() >= max_slurm_logs) {
      s.logs_truncated = true;
      break;
    }
    s.logs.push_back({id->first, id->second, storage.join(s.logs_dir, e.name), e.mtime.value_or(0), 0});
  }
  std::sort(s.logs.begin(), s.logs.end(), log_before);
}

}  // namespace

SlurmExecutorKeys slurm_executor_keys(const boost::json::object& executor) {
  SlurmExecutorKeys k;
  // Keys of SlurmPipelineExecutor that no other executor writes.
  for (const char* key : {"slurm_logs_folder", "sbatch_args", "max_array_size", "partition", "job_id_position"}) {
    if (executor.contains(key)) k.present = true;
  }
  k.job_name = string_of(executor, "job_name");
  k.tasks_per_job = positive_int(executor.if_contains("tasks_per_job"));
  k.max_array_size = positive_int(executor.if_contains("max_array_size"));
  k.slurm_logs_folder = string_of(executor, "slurm_logs_folder");
  return k;
}

LaunchScript parse_launch_script(std::string_view text) {
  LaunchScript s;
  for_each_line(text, [&](std::string_view raw) {
    std::string_view line = trim(raw);
    if (!line.starts_with("#SBATCH")) return;
    line = trim(line.substr(7));
    // "--opt=value", "--opt value", "-J value", "-Jvalue".
    std::string_view option = line, value;
    if (const auto eq = line.find('='); line.starts_with("--") && eq != std::string_view::npos) {
      option = line.substr(0, eq);
      value = line.substr(eq + 1);
    } else if (const auto sp = line.find_first_of(" \t"); sp != std::string_view::npos) {
      option = line.substr(0, sp);
      value = trim(line.substr(sp));
    } else if (line.size() > 2 && line[0] == '-' && line[1] != '-') {
      option = line.substr(0, 2);
      value = line.substr(2);
    }
    value = trim(value);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (option == "--job-name" || option == "-J") s.job_name = value;
    else if (option == "--output" || option == "-o") s.output = value;
    else if (option == "--array" || option == "-a") s.array = value;
  });
  return s;
}

std::optional<std::pair<std::string, std::int64_t>> parse_slurm_log_name(std::string_view name) {
  if (!name.ends_with(".out")) return std::nullopt;
  name.remove_suffix(4);
  const auto underscore = name.find('_');
  if (underscore == std::string_view::npos || underscore == 0 || underscore > 20) return std::nullopt;
  const std::string_view id = name.substr(0, underscore), index = name.substr(underscore + 1);
  if (!std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  const auto i = parse_decimal(index, 9);
  if (!i || index.empty()) return std::nullopt;
  return std::make_pair(std::string(id), static_cast<std::int64_t>(*i));
}

void read_slurm_launch(const Storage& storage, const SlurmExecutorKeys& keys, JobState& job, const ScanOptions& options) {
  SlurmLaunch& s = job.slurm;
  LaunchScript script;
  const std::string script_path = storage.join(job.path, "launch_script.slurm");
  const FileStat script_stat = storage.stat(script_path);
  if (script_stat.type == EntryType::file) {
    try {
      script = parse_launch_script(storage.read(script_path, max_launch_script_bytes));
    } catch (const StorageError& e) {
      job.warnings.push_back({script_path, std::string("cannot read the launch script: ") + e.what()});
    }
  }
  s.job_name = !keys.job_name.empty() ? keys.job_name : script.job_name;
  s.tasks_per_job = keys.tasks_per_job.value_or(1);
  s.max_array_size = keys.max_array_size;
  s.logs_dir = logs_dir_of(storage, job, keys, script);
  s.launched_on_slurm = keys.present || script_stat.type == EntryType::file;
  if (!s.launched_on_slurm) {
    // A slurm_logs/ dir beside the job is evidence enough (an executor.json
    // rewritten by hand may have lost the keys).
    if (storage.stat(s.logs_dir).type != EntryType::directory) {
      job.slurm = SlurmLaunch{};
      return;
    }
    s.launched_on_slurm = true;
  }
  read_ranks_to_run(storage, job, options);
  list_logs(storage, job);
}

void refresh_slurm_launch(const Storage& storage, JobState& job, const ScanOptions& options) {
  if (!job.slurm.launched_on_slurm) return;
  read_ranks_to_run(storage, job, options);
  list_logs(storage, job);
}

}  // namespace jobmon::detail
