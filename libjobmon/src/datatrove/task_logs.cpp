// Why an incomplete rank has no marker, read from the tail of its task log.
#include <algorithm>
#include <cctype>

#include "core/text/text.hpp"
#include "datatrove/job_dir_reader.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace {

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
  for_each_line(tail, [&](std::string_view raw) {  // no vector: this runs for every unfinished rank
    const std::string_view line = trim_line(raw);
    if (line.find("| ERROR") != std::string_view::npos || line.find("| CRITICAL") != std::string_view::npos) {
      const auto dash = line.find(" - ");
      error_line = dash == std::string_view::npos ? line : line.substr(dash + 3);
      done_after_error = false;
    } else if (line.find("Processing done for rank=") != std::string_view::npos) {
      done_after_error = true;
    } else if (looks_like_exception_line(line)) {
      exception_line = line;
    }
  });
  if (done_after_error) {
    issue.state = RankState::finished_unmarked;
  } else if (!error_line.empty() || !exception_line.empty()) {
    issue.state = RankState::failed;
    issue.message = clip(!exception_line.empty() ? exception_line : error_line, 500, "...");
  }
  return issue;
}

std::size_t diagnose_incomplete_ranks(const Storage& storage, JobState& job, const ScanOptions& options) {
  // Interim (sequential, a stat per rank); being replaced by the parallel, budgeted reader.
  job.rank_issues.clear();
  job.rank_issues_truncated = false;
  job.rank_counts = RankCounts{};
  job.last_log_write.reset();
  job.last_failure_at.reset();
  job.logs_read = false;
  if (options.log_bytes_per_job == 0 || job.complete()) return 0;
  job.logs_read = true;
  const std::string logs_dir = storage.join(job.path, "logs");
  std::size_t reads = 0;
  std::uint64_t budget = options.log_bytes_per_job;
  // One listing of logs/ instead of a stat per rank: ranks without a log are pending.
  std::vector<std::int64_t> logged;
  if (storage.stat(logs_dir).type == EntryType::directory) {
    try {
      for (const DirEntry& e : storage.list(logs_dir, ListOptions{false, false})) {
        if (!e.name.starts_with("task_") || !e.name.ends_with(".log")) continue;
        const auto rank = parse_rank_name(e.name.substr(5, e.name.size() - 9));
        if (rank && *rank < job.world_size && !std::binary_search(job.done_ranks.begin(), job.done_ranks.end(), *rank))
          logged.push_back(*rank);
      }
    } catch (const StorageError& e) {
      job.warnings.push_back({logs_dir, e.what()});
    }
  }
  std::sort(logged.begin(), logged.end());
  job.rank_counts.pending = job.world_size - job.completed - static_cast<std::int64_t>(logged.size());
  for (const std::int64_t rank : logged) {
    const std::string log_path = storage.join(logs_dir, task_log_name(rank));
    const FileStat st = storage.stat(log_path);
    if (st.type != EntryType::file) {
      ++job.rank_counts.pending;
      continue;
    }
    const std::uint64_t want = std::min<std::uint64_t>(st.size, options.log_tail_bytes);
    if (want > budget) {
      ++job.rank_counts.unread;
      continue;
    }
    budget -= want;
    RankIssue issue;
    try {
      ++reads;
      issue = classify_task_log(rank, storage.read_range(log_path, st.size - want, want));
    } catch (const StorageError& e) {
      issue = RankIssue{rank, RankState::running, {}, std::nullopt};
      job.warnings.push_back({log_path, e.what()});
    }
    issue.log_mtime = st.mtime;
    issue.log_size = st.size;
    if (issue.state == RankState::failed && job.launched_at && st.mtime < *job.launched_at) issue.earlier_attempt = true;
    switch (issue.state) {
      case RankState::running:
        ++job.rank_counts.running;
        if (!job.last_log_write || st.mtime > *job.last_log_write) job.last_log_write = st.mtime;
        break;
      case RankState::failed:
        if (issue.earlier_attempt) {
          ++job.rank_counts.failed_earlier_attempt;
        } else {
          ++job.rank_counts.failed;
          if (!job.last_failure_at || st.mtime > *job.last_failure_at) job.last_failure_at = st.mtime;
        }
        break;
      case RankState::finished_unmarked: ++job.rank_counts.finished_unmarked; break;
      case RankState::pending: ++job.rank_counts.pending; break;
    }
    if (job.rank_issues.size() < options.max_rank_issues) job.rank_issues.push_back(std::move(issue));
    else job.rank_issues_truncated = true;
  }
  return reads;
}

}  // namespace jobmon::detail
