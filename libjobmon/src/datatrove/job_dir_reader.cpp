// Reading one datatrove job directory: executor.json, then completions/
// (the task logs are task_logs.cpp).
#include <algorithm>
#include <cmath>
#include <optional>
#include <variant>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text/text.hpp"
#include "datatrove/job_dir_reader.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace {

constexpr std::int64_t max_world_size = 1'000'000'000'000;  // beyond this the file is nonsense

struct ExecutorInfo {
  std::int64_t world_size = 0;
  std::vector<std::string> steps;
};

// Parses executor.json. Returns an error message instead of throwing.
std::variant<ExecutorInfo, std::string> parse_executor(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::value doc = boost::json::parse(text, ec, {}, opts);
  if (ec) return "corrupt executor.json (" + ec.message() + ")";
  const auto* obj = doc.if_object();
  if (obj == nullptr) return std::string("executor.json is not a JSON object");
  ExecutorInfo info;
  const auto* ws = obj->if_contains("world_size");
  if (ws == nullptr || ws->is_null()) return std::string("not a job: executor.json has no world_size");
  if (ws->is_int64()) info.world_size = ws->as_int64();
  else if (ws->is_uint64()) info.world_size = ws->as_uint64() > static_cast<std::uint64_t>(max_world_size) ? -1 : static_cast<std::int64_t>(ws->as_uint64());
  else if (const auto whole = ws->is_double() ? exact_int64(ws->as_double()) : std::nullopt)
    info.world_size = *whole;
  else return "executor.json: world_size is not an integer (" + boost::json::serialize(*ws) + ")";
  if (info.world_size == 0) return std::string("not a job: world_size is 0");
  if (info.world_size < 0 || info.world_size > max_world_size)
    return "executor.json: implausible world_size " + boost::json::serialize(*ws);
  if (const auto* pipeline = obj->if_contains("pipeline"); pipeline != nullptr && pipeline->is_array()) {
    std::size_t index = 0;
    for (const auto& step : pipeline->as_array()) {
      ++index;
      std::string label;
      if (const auto* s = step.if_object()) {
        for (const char* key : {"name", "type"}) {
          if (const auto* v = s->if_contains(key); v != nullptr && v->is_string()) {
            label = label.empty() ? std::string(v->as_string()) : label + ": " + std::string(v->as_string());
          }
        }
      }
      info.steps.push_back(label.empty() ? fmt::format("step {}", index) : label);
    }
  }
  return info;
}

// executor.json read and parsed, or the warning that says why not.
std::optional<ExecutorInfo> read_executor(const Storage& storage, const std::string& path, const FileStat& stat,
                                          std::uint64_t max_bytes, std::vector<Warning>& warnings) {
  if (stat.type == EntryType::missing) {
    warnings.push_back({path, "not a job: no executor.json"});
    return std::nullopt;
  }
  if (stat.type != EntryType::file) {
    warnings.push_back({path, "cannot read executor.json: not a regular file"});
    return std::nullopt;
  }
  std::string text;
  try {
    text = storage.read(storage.join(path, "executor.json"), max_bytes);
  } catch (const StorageError& e) {
    warnings.push_back({path, std::string("cannot read executor.json: ") + e.what()});
    return std::nullopt;
  }
  auto parsed = parse_executor(text);
  if (auto* message = std::get_if<std::string>(&parsed)) {
    warnings.push_back({path, *message});
    return std::nullopt;
  }
  return std::get<ExecutorInfo>(std::move(parsed));
}

// A valid marker: its rank and where it is in the listing.
using RankEntry = std::pair<std::int64_t, std::size_t>;

// Sorts the listing into valid ranks (distinct, sorted; done_ranks and
// completed), stray names and out-of-range ranks.
std::vector<RankEntry> count_markers(const std::vector<DirEntry>& entries, JobState& job) {
  std::vector<RankEntry> ranks;
  ranks.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto rank = parse_rank_name(entries[i].name);
    if (!rank) {
      job.stray_entries.push_back(entries[i].name);
    } else if (*rank >= job.world_size) {
      job.out_of_range_ranks.push_back(*rank);
    } else {
      ranks.emplace_back(*rank, i);
    }
  }
  std::sort(ranks.begin(), ranks.end());
  ranks.erase(std::unique(ranks.begin(), ranks.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              ranks.end());
  job.done_ranks.reserve(ranks.size());
  for (const auto& r : ranks) job.done_ranks.push_back(r.first);
  job.completed = static_cast<std::int64_t>(job.done_ranks.size());
  std::sort(job.stray_entries.begin(), job.stray_entries.end());
  std::sort(job.out_of_range_ranks.begin(), job.out_of_range_ranks.end());
  if (job.stray_entries.size() > 1000) job.stray_entries.resize(1000);
  return ranks;
}

void warn_about_ignored_entries(const std::string& completions, JobState& job) {
  if (!job.stray_entries.empty())
    job.warnings.push_back({completions, fmt::format("{} entries are not rank numbers and were ignored (e.g. '{}')",
                                                     job.stray_entries.size(), job.stray_entries.front())});
  if (!job.out_of_range_ranks.empty())
    job.warnings.push_back({completions, fmt::format("{} markers for ranks >= world_size {} were not counted (e.g. {})",
                                                     job.out_of_range_ranks.size(), job.world_size,
                                                     job.out_of_range_ranks.front())});
}

// Object stores have no directory mtime: the newest marker is the last change.
std::optional<double> newest_marker_time(const std::vector<DirEntry>& entries, const std::vector<RankEntry>& ranks) {
  std::optional<double> newest;
  for (const auto& r : ranks) {
    const auto& mtime = entries[r.second].mtime;
    if (mtime && (!newest || *mtime > *newest)) newest = mtime;
  }
  return newest;
}

// One time per marker: from the listing when it has them, else one stat each.
void read_marker_times(const Storage& storage, const std::string& completions, const std::vector<DirEntry>& entries,
                       const std::vector<RankEntry>& ranks, JobState& job) {
  job.marker_mtimes.reserve(job.done_ranks.size());
  for (const auto& r : ranks) {
    const DirEntry& entry = entries[r.second];
    if (entry.mtime) {
      job.marker_mtimes.push_back(*entry.mtime);
      continue;
    }
    const FileStat marker = storage.stat(storage.join(completions, entry.name));
    if (marker.type != EntryType::missing) job.marker_mtimes.push_back(marker.mtime);
  }
  std::sort(job.marker_mtimes.begin(), job.marker_mtimes.end());
  // The directory's mtime moves with any entry change (a stray temp file,
  // a copy); the newest marker is the last completion.
  if (!job.marker_mtimes.empty()) job.last_change_at = job.marker_mtimes.back();
}

// Fills the job from its completions/ directory. Returns the listings done.
std::size_t read_completions(const Storage& storage, const ScanOptions& options, JobState& job) {
  const std::string completions = storage.join(job.path, "completions");
  const FileStat completions_stat = storage.stat(completions);
  if (completions_stat.type != EntryType::directory) {
    if (completions_stat.type != EntryType::missing) job.warnings.push_back({completions, "completions is not a directory"});
    return 0;
  }
  job.last_change_at = completions_stat.mtime;
  std::vector<DirEntry> entries;
  try {
    // Locally, list without times: a complete job needs no stat per marker.
    // Object stores return times with the listing for free.
    entries = storage.list(completions, ListOptions{storage.list_includes_mtime(), false});
  } catch (const StorageError& e) {
    job.warnings.push_back({completions, e.what()});
  }
  const std::vector<RankEntry> ranks = count_markers(entries, job);
  if (storage.list_includes_mtime()) job.last_change_at = newest_marker_time(entries, ranks);
  warn_about_ignored_entries(completions, job);
  const bool want_times = options.marker_times == MarkerTimes::all ||
                          (options.marker_times == MarkerTimes::incomplete_jobs && !job.complete());
  if (want_times) read_marker_times(storage, completions, entries, ranks, job);
  return 1;
}

}  // namespace

JobReadResult read_job_dir(const Storage& storage, const std::string& path, const ScanOptions& options) {
  JobReadResult result;
  const FileStat executor_stat = storage.stat(storage.join(path, "executor.json"));
  std::optional<ExecutorInfo> info = read_executor(storage, path, executor_stat, options.max_executor_bytes, result.warnings);
  if (!info) return result;
  auto job = std::make_shared<JobState>();
  job->path = path;
  job->name = base_name(path);
  job->world_size = info->world_size;
  job->pipeline_steps = std::move(info->steps);
  job->launched_at = executor_stat.mtime;
  result.listings = read_completions(storage, options, *job);
  result.logs_read = diagnose_incomplete_ranks(storage, *job, options);
  result.job = std::move(job);
  return result;
}

}  // namespace jobmon::detail
