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
#include "datatrove/slurm/slurm_launch.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace {

// datatrove writes world_size as a JSON integer; 1 to 10^12 is accepted
// (marker names have at most 12 digits), one rule for every form the parser
// gives (int64, uint64, and double for integers too long for uint64).
constexpr std::int64_t max_world_size = 1'000'000'000'000;

struct ExecutorInfo {
  std::int64_t world_size = 0;
  std::vector<std::string> steps;
  SlurmExecutorKeys slurm;
};

bool is_json_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The text of a top-level member's value as written in the file ("4.5",
// "1e12"): Boost.JSON would print numbers its own way ("4.5E0"). Only called
// on text that parsed, so it need not validate; nullopt when not found (a
// key written with escapes).
std::optional<std::string_view> member_text(std::string_view text, std::string_view key) {
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto skip_space = [&] {
    while (i < n && is_json_space(text[i])) ++i;
  };
  auto skip_string = [&]() -> std::string_view {  // at the opening quote; returns the raw content
    const std::size_t start = ++i;
    while (i < n && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
    const std::size_t end = std::min(i, n);
    ++i;
    return text.substr(start, end - start);
  };
  auto skip_value = [&] {
    if (i < n && text[i] == '"') {
      skip_string();
      return;
    }
    if (i < n && (text[i] == '{' || text[i] == '[')) {
      int depth = 0;
      while (i < n) {
        const char c = text[i];
        if (c == '"') {
          skip_string();
          continue;
        }
        ++i;
        if (c == '{' || c == '[') ++depth;
        if ((c == '}' || c == ']') && --depth == 0) return;
      }
      return;
    }
    while (i < n && text[i] != ',' && text[i] != '}' && !is_json_space(text[i])) ++i;
  };
  skip_space();
  if (i >= n || text[i] != '{') return std::nullopt;
  ++i;
  for (;;) {
    skip_space();
    if (i >= n || text[i] != '"') return std::nullopt;
    const std::string_view name = skip_string();
    skip_space();
    if (i >= n || text[i] != ':') return std::nullopt;
    ++i;
    skip_space();
    const std::size_t start = i;
    skip_value();
    if (name == key) return text.substr(start, std::min(i, n) - start);
    skip_space();
    if (i >= n || text[i] != ',') return std::nullopt;
    ++i;
  }
}

// "42", "-3", "123456789012345678901234": an integer as JSON writes one (no
// fraction, no exponent), whatever its size.
bool is_integer_literal(std::string_view text) {
  if (text.starts_with('-')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// world_size, or the message that says why it is not one.
std::variant<std::int64_t, std::string> parse_world_size(const boost::json::value& ws, std::string_view executor_text) {
  const std::optional<std::string_view> raw = member_text(executor_text, "world_size");
  const std::string full = raw ? std::string(*raw) : boost::json::serialize(ws);
  const std::string written = clip(full, 60, "...");
  const bool integer = ws.is_int64() || ws.is_uint64() || (ws.is_double() && is_integer_literal(full));
  if (!integer) return "executor.json: world_size is not an integer (" + written + ")";
  if (ws.is_int64() && ws.as_int64() == 0) return std::string("not a job: world_size is 0");
  if (ws.is_int64() && ws.as_int64() > 0 && ws.as_int64() <= max_world_size) return ws.as_int64();
  if (ws.is_uint64() && ws.as_uint64() <= static_cast<std::uint64_t>(max_world_size))
    return static_cast<std::int64_t>(ws.as_uint64());
  return fmt::format("executor.json: implausible world_size {} (accepted: 1 to {})", written, max_world_size);
}

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
  auto world_size = parse_world_size(*ws, text);
  if (auto* message = std::get_if<std::string>(&world_size)) return std::move(*message);
  info.world_size = std::get<std::int64_t>(world_size);
  info.slurm = slurm_executor_keys(*obj);
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

// "not a job: no executor.json", and what the directory has that makes it
// look like a job all the same ("it has completions/"), so the warning names
// the directory that is not a job rather than one of its parts.
std::string no_executor_message(const Storage& storage, const std::string& path) {
  std::vector<std::string> parts;
  for (const char* part : {"completions", "logs"}) {
    if (storage.stat(storage.join(path, part)).type == EntryType::directory) parts.push_back(std::string(part) + "/");
  }
  std::string message = "not a job: no executor.json";
  if (!parts.empty()) message += ", it has " + join(parts, " and ");
  return message;
}

// executor.json read and parsed, or the warning that says why not.
std::optional<ExecutorInfo> read_executor(const Storage& storage, const std::string& path, const FileStat& stat,
                                          std::uint64_t max_bytes, std::vector<Warning>& warnings) {
  if (stat.inaccessible()) {  // e.g. a directory without read/search permission
    warnings.push_back({path, "not readable: " + stat.error + " (cannot tell whether it is a job)"});
    return std::nullopt;
  }
  if (stat.type == EntryType::missing) {
    warnings.push_back({path, no_executor_message(storage, path)});
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
  return ranks;
}

// Reports stray names (their true count) and keeps a bounded list of them.
void warn_about_ignored_entries(const std::string& completions, JobState& job) {
  constexpr std::size_t max_stray_kept = 1000;
  if (!job.stray_entries.empty())
    job.warnings.push_back(
        {completions, fmt::format("{} entries are not rank numbers as datatrove writes them ({{:05d}}: 00042, "
                                  "123456) and were ignored (e.g. '{}')",
                                  job.stray_entries.size(), job.stray_entries.front())});
  if (job.stray_entries.size() > max_stray_kept) job.stray_entries.resize(max_stray_kept);
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

// What a job whose completions/ cannot be read is: left out, because any
// count would be made up (an unreadable completions/ is not "0 done").
constexpr std::string_view unknown_progress = "; the job is left out (its progress is unknown)";

// Fills the job from its completions/ directory and counts the listing in
// `listings`. False (and a warning) when completions/ exists but cannot be
// read: the job must then not be reported.
bool read_completions(const Storage& storage, const ScanOptions& options, JobState& job, std::size_t& listings,
                      std::vector<Warning>& warnings) {
  const std::string completions = storage.join(job.path, "completions");
  const FileStat completions_stat = storage.stat(completions);
  if (completions_stat.inaccessible()) {
    warnings.push_back({completions, "not readable: " + completions_stat.error + std::string(unknown_progress)});
    return false;
  }
  if (completions_stat.type != EntryType::directory) {
    // No completions/ yet means no rank has finished, as datatrove reads it.
    if (completions_stat.type != EntryType::missing) job.warnings.push_back({completions, "completions is not a directory"});
    return true;
  }
  job.last_change_at = completions_stat.mtime;
  std::vector<DirEntry> entries;
  try {
    // Locally, list without times: a complete job needs no stat per marker.
    // Object stores return times with the listing for free.
    ++listings;
    entries = storage.list(completions, ListOptions{storage.list_includes_mtime(), false});
  } catch (const StorageError& e) {
    warnings.push_back({completions, reason_of(e) + std::string(unknown_progress)});
    return false;
  }
  const std::vector<RankEntry> ranks = count_markers(entries, job);
  if (storage.list_includes_mtime()) job.last_change_at = newest_marker_time(entries, ranks);
  warn_about_ignored_entries(completions, job);
  const bool want_times = options.marker_times == MarkerTimes::all ||
                          (options.marker_times == MarkerTimes::incomplete_jobs && !job.complete());
  if (want_times) read_marker_times(storage, completions, entries, ranks, job);
  return true;
}

}  // namespace

std::string reason_of(const StorageError& error) {
  std::string text = error.what();
  if (const std::string lead = error.path() + ": "; text.starts_with(lead)) text.erase(0, lead.size());
  return text;
}

JobReadResult read_job_dir(const Storage& storage, const std::string& path, const ScanOptions& options) {
  JobReadResult result;
  const FileStat executor_stat = storage.stat(storage.join(path, "executor.json"));
  std::optional<ExecutorInfo> info = read_executor(storage, path, executor_stat, options.max_executor_bytes, result.warnings);
  result.missing_executor = !info && executor_stat.type == EntryType::missing && !executor_stat.inaccessible();
  if (!info) return result;
  auto job = std::make_shared<JobState>();
  job->path = path;
  job->name = base_name(path);
  job->world_size = info->world_size;
  job->pipeline_steps = std::move(info->steps);
  job->launched_at = executor_stat.mtime;
  if (!read_completions(storage, options, *job, result.listings, result.warnings)) return result;
  result.logs_read = diagnose_incomplete_ranks(storage, *job, options);
  read_slurm_launch(storage, info->slurm, *job, options);
  result.job = std::move(job);
  return result;
}

}  // namespace jobmon::detail
