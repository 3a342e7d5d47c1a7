// Reading one datatrove job directory: executor.json, completions/, logs/.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <variant>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text/text.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/error.hpp"

namespace jobmon {
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
  else if (const auto whole = ws->is_double() ? detail::exact_int64(ws->as_double()) : std::nullopt)
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

// True for "SomeError: message" style lines that end a Python traceback.
bool looks_like_exception_line(std::string_view line) {
  const auto colon = line.find(": ");
  if (colon == std::string_view::npos || colon == 0 || colon > 120) return false;
  const std::string_view type = line.substr(0, colon);
  for (char c : type) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  }
  return type.ends_with("Error") || type.ends_with("Exception") || type.ends_with("Interrupt") ||
         type.ends_with("Exit") || type.ends_with("Failure");
}

}  // namespace

RankIssue classify_task_log(std::int64_t rank, std::string_view tail) {
  RankIssue issue;
  issue.rank = rank;
  issue.state = RankState::running;
  std::string_view error_line, exception_line;
  bool done_after_error = false;
  for (const std::string_view raw : detail::split_lines(tail)) {
    const std::string_view line = detail::trim_line(raw);
    if (line.find("| ERROR") != std::string_view::npos || line.find("| CRITICAL") != std::string_view::npos) {
      const auto dash = line.find(" - ");
      error_line = dash == std::string_view::npos ? line : line.substr(dash + 3);
      done_after_error = false;
    } else if (line.find("Processing done for rank=") != std::string_view::npos) {
      done_after_error = true;
    } else if (looks_like_exception_line(line)) {
      exception_line = line;
    }
  }
  if (done_after_error) {
    issue.state = RankState::finished_unmarked;
  } else if (!error_line.empty() || !exception_line.empty()) {
    issue.state = RankState::failed;
    issue.message = detail::clip(!exception_line.empty() ? exception_line : error_line, 500, "...");
  }
  return issue;
}

std::size_t diagnose_incomplete_ranks(const Storage& storage, JobState& job, const ScanOptions& options) {
  job.rank_issues.clear();
  job.rank_issues_truncated = false;
  if (options.max_logs_per_job == 0 || job.complete()) return 0;
  const std::vector<std::int64_t> ranks = job.incomplete_ranks(options.max_logs_per_job + 1);
  if (ranks.size() > options.max_logs_per_job) job.rank_issues_truncated = true;
  const std::string logs_dir = storage.join(job.path, "logs");
  std::size_t reads = 0;
  for (std::size_t i = 0; i < ranks.size() && i < options.max_logs_per_job; ++i) {
    const std::int64_t rank = ranks[i];
    const std::string log_path = storage.join(logs_dir, fmt::format("task_{:05d}.log", rank));
    const FileStat st = storage.stat(log_path);
    if (st.type != EntryType::file) {
      job.rank_issues.push_back(RankIssue{rank, RankState::pending, {}, std::nullopt});
      continue;
    }
    RankIssue issue;
    try {
      const std::uint64_t want = std::min<std::uint64_t>(st.size, options.log_tail_bytes);
      ++reads;
      issue = classify_task_log(rank, storage.read_range(log_path, st.size - want, want));
    } catch (const StorageError& e) {
      issue = RankIssue{rank, RankState::running, {}, std::nullopt};
      job.warnings.push_back({log_path, e.what()});
    }
    issue.log_mtime = st.mtime;
    job.rank_issues.push_back(std::move(issue));
  }
  return reads;
}

JobReadResult read_job_dir(const Storage& storage, const std::string& path, const ScanOptions& options) {
  JobReadResult result;
  const std::string executor_path = storage.join(path, "executor.json");
  const FileStat executor_stat = storage.stat(executor_path);
  if (executor_stat.type == EntryType::missing) {
    result.warnings.push_back({path, "not a job: no executor.json"});
    return result;
  }
  if (executor_stat.type != EntryType::file) {
    result.warnings.push_back({path, "cannot read executor.json: not a regular file"});
    return result;
  }
  std::string text;
  try {
    text = storage.read(executor_path, options.max_executor_bytes);
  } catch (const StorageError& e) {
    result.warnings.push_back({path, std::string("cannot read executor.json: ") + e.what()});
    return result;
  }
  auto parsed = parse_executor(text);
  if (auto* message = std::get_if<std::string>(&parsed)) {
    result.warnings.push_back({path, *message});
    return result;
  }
  ExecutorInfo& info = std::get<ExecutorInfo>(parsed);

  auto job = std::make_shared<JobState>();
  job->path = path;
  job->name = base_name(path);
  job->world_size = info.world_size;
  job->pipeline_steps = std::move(info.steps);
  job->launched_at = executor_stat.mtime;

  const std::string completions = storage.join(path, "completions");
  const FileStat completions_stat = storage.stat(completions);
  if (completions_stat.type == EntryType::directory) {
    job->last_change_at = completions_stat.mtime;
    std::vector<DirEntry> entries;
    try {
      // Locally, list without times: a complete job needs no stat per marker.
      // Object stores return times with the listing for free.
      ++result.listings;
      entries = storage.list(completions, ListOptions{storage.list_includes_mtime(), false});
    } catch (const StorageError& e) {
      job->warnings.push_back({completions, e.what()});
    }
    std::vector<std::pair<std::int64_t, std::size_t>> ranks;  // rank, entry index
    ranks.reserve(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto rank = parse_rank_name(entries[i].name);
      if (!rank) {
        job->stray_entries.push_back(entries[i].name);
      } else if (*rank >= job->world_size) {
        job->out_of_range_ranks.push_back(*rank);
      } else {
        ranks.emplace_back(*rank, i);
      }
    }
    std::sort(ranks.begin(), ranks.end());
    ranks.erase(std::unique(ranks.begin(), ranks.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                ranks.end());
    job->done_ranks.reserve(ranks.size());
    for (const auto& r : ranks) job->done_ranks.push_back(r.first);
    job->completed = static_cast<std::int64_t>(job->done_ranks.size());
    if (storage.list_includes_mtime()) {
      // Object stores have no directory mtime: the newest marker is the last change.
      std::optional<double> newest;
      for (const auto& r : ranks) {
        if (entries[r.second].mtime && (!newest || *entries[r.second].mtime > *newest)) newest = entries[r.second].mtime;
      }
      job->last_change_at = newest;
    }
    std::sort(job->stray_entries.begin(), job->stray_entries.end());
    std::sort(job->out_of_range_ranks.begin(), job->out_of_range_ranks.end());
    if (job->stray_entries.size() > 1000) job->stray_entries.resize(1000);
    if (!job->stray_entries.empty())
      job->warnings.push_back({completions, fmt::format("{} entries are not rank numbers and were ignored (e.g. '{}')",
                                                        job->stray_entries.size(), job->stray_entries.front())});
    if (!job->out_of_range_ranks.empty())
      job->warnings.push_back({completions, fmt::format("{} markers for ranks >= world_size {} were not counted (e.g. {})",
                                                        job->out_of_range_ranks.size(), job->world_size,
                                                        job->out_of_range_ranks.front())});

    const bool want_times = options.marker_times == MarkerTimes::all ||
                            (options.marker_times == MarkerTimes::incomplete_jobs && !job->complete());
    if (want_times) {
      job->marker_mtimes.reserve(job->done_ranks.size());
      for (const auto& r : ranks) {
        const DirEntry& entry = entries[r.second];
        if (entry.mtime) {
          job->marker_mtimes.push_back(*entry.mtime);
          continue;
        }
        const FileStat marker = storage.stat(storage.join(completions, entry.name));
        if (marker.type != EntryType::missing) job->marker_mtimes.push_back(marker.mtime);
      }
      std::sort(job->marker_mtimes.begin(), job->marker_mtimes.end());
      // The directory's mtime moves with any entry change (a stray temp file,
      // a copy); the newest marker is the last completion.
      if (!job->marker_mtimes.empty()) job->last_change_at = job->marker_mtimes.back();
    }
  } else if (completions_stat.type != EntryType::missing) {
    job->warnings.push_back({completions, "completions is not a directory"});
  }
  result.logs_read = diagnose_incomplete_ranks(storage, *job, options);
  result.job = std::move(job);
  return result;
}

}  // namespace jobmon
