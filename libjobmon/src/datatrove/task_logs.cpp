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
  job.rank_issues.clear();
  job.rank_issues_truncated = false;
  if (options.max_logs_per_job == 0 || job.complete()) return 0;
  const std::vector<std::int64_t> ranks = job.incomplete_ranks(options.max_logs_per_job + 1);
  if (ranks.size() > options.max_logs_per_job) job.rank_issues_truncated = true;
  const std::string logs_dir = storage.join(job.path, "logs");
  std::size_t reads = 0;
  for (std::size_t i = 0; i < ranks.size() && i < options.max_logs_per_job; ++i) {
    const std::int64_t rank = ranks[i];
    const std::string log_path = storage.join(logs_dir, task_log_name(rank));
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

}  // namespace jobmon::detail
