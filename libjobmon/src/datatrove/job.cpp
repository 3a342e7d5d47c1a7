#include "jobmon/datatrove/job.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "core/text/text.hpp"

namespace jobmon {

std::int64_t JobState::failed_ranks() const { return rank_counts.failed; }

void count_rank_issue(JobState& job, const RankIssue& issue) {
  auto newest = [](std::optional<double>& slot, const std::optional<double>& t) {
    if (t && (!slot || *t > *slot)) slot = t;
  };
  RankCounts& c = job.rank_counts;
  switch (issue.state) {
    case RankState::running: ++c.running; newest(job.last_log_write, issue.log_mtime); break;
    case RankState::finished_unmarked:  // its marker may be seconds away: a sign of life
      ++c.finished_unmarked;
      newest(job.last_log_write, issue.log_mtime);
      break;
    case RankState::failed:
      if (issue.earlier_attempt) {
        ++c.failed_earlier_attempt;
      } else {
        ++c.failed;
        newest(job.last_failure_at, issue.log_mtime);
      }
      break;
    case RankState::pending: ++c.pending; break;
  }
}

void recount_ranks(JobState& job) {
  if (job.rank_issues_truncated) return;
  job.logs_read = true;
  const std::int64_t unread = job.rank_counts.unread;
  job.rank_counts = RankCounts{};
  job.last_log_write.reset();
  job.last_failure_at.reset();
  for (const RankIssue& issue : job.rank_issues) count_rank_issue(job, issue);
  RankCounts& c = job.rank_counts;
  // Unread ranks (a budget, an unreadable log) are not listed and stay unread.
  c.unread = unread;
  const std::int64_t listed = static_cast<std::int64_t>(job.rank_issues.size());
  c.pending += std::max<std::int64_t>(0, job.world_size - job.completed - listed - unread);
}

std::vector<RankRange> JobState::incomplete_ranges() const {
  std::vector<RankRange> ranges;
  std::int64_t next = 0;  // first rank not yet accounted for
  for (const std::int64_t rank : done_ranks) {
    if (rank > next) ranges.push_back({next, rank - 1});
    next = rank + 1;
  }
  if (next < world_size) ranges.push_back({next, world_size - 1});
  return ranges;
}

std::vector<std::int64_t> JobState::incomplete_ranks(std::size_t limit) const {
  std::vector<std::int64_t> ranks;
  for (const RankRange& range : incomplete_ranges()) {
    for (std::int64_t r = range.first; r <= range.last; ++r) {
      if (ranks.size() >= limit) return ranks;
      ranks.push_back(r);
    }
  }
  return ranks;
}

std::string format_ranges(const std::vector<RankRange>& ranges, std::size_t max_items) {
  std::string out;
  std::size_t shown = 0;
  for (const RankRange& range : ranges) {
    if (shown == max_items) {
      out += ",...";
      break;
    }
    if (!out.empty()) out += ',';
    out += std::to_string(range.first);
    if (range.last != range.first) {
      out += '-';
      out += std::to_string(range.last);
    }
    ++shown;
  }
  return out;
}

std::optional<std::int64_t> parse_rank_name(const std::string& name) {
  // datatrove writes f"{rank:05d}" and checks only that exact name, so any
  // other spelling of a rank ("42", "000042") is not that rank's marker.
  // Twelve digits at most: ranks are below world_size, at most 10^12.
  constexpr std::size_t width = 5, max_digits = 12;
  if (name.size() < width || name.size() > max_digits) return std::nullopt;
  if (name.size() > width && name[0] == '0') return std::nullopt;  // padding only up to five digits
  const auto value = detail::parse_decimal(name, max_digits);
  if (!value) return std::nullopt;
  return static_cast<std::int64_t>(*value);
}

std::string task_log_name(std::int64_t rank) { return fmt::format("task_{:05d}.log", rank); }

const char* to_string(RankState state) {
  switch (state) {
    case RankState::pending: return "pending";
    case RankState::running: return "running";
    case RankState::failed: return "failed";
    case RankState::finished_unmarked: return "finished_unmarked";
  }
  return "unknown";
}

}  // namespace jobmon
