// JobState: what jobmon knows about one datatrove-style job directory
// (executor.json + completions/ markers + logs/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jobmon {

struct Warning {
  std::string path;
  std::string message;
};

// An inclusive range of ranks, [first, last].
struct RankRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

// Why an incomplete rank has no completion marker, read from its task log.
enum class RankState { pending, running, failed, finished_unmarked };

struct RankIssue {
  std::int64_t rank = 0;
  RankState state = RankState::pending;
  std::string message;            // the error line for a failed rank
  std::optional<double> log_mtime;
};

struct JobState {
  std::string path;  // as found (glob expansion result or root/child)
  std::string name;  // last path component
  std::int64_t world_size = 0;
  std::int64_t completed = 0;             // valid, distinct rank markers < world_size
  std::vector<std::int64_t> done_ranks;   // sorted, distinct, < world_size
  std::vector<double> marker_mtimes;      // sorted ascending; empty unless the scan asked for them
  std::optional<double> launched_at;      // executor.json mtime
  std::optional<double> last_change_at;   // completions/ mtime: the latest marker's arrival
  std::vector<std::string> stray_entries;          // completions/ names that are not rank numbers
  std::vector<std::int64_t> out_of_range_ranks;    // markers for ranks >= world_size
  std::vector<RankIssue> rank_issues;     // incomplete ranks whose logs were read (bounded)
  bool rank_issues_truncated = false;     // more incomplete ranks than logs read
  std::vector<std::string> pipeline_steps;// from executor.json, when the steps name themselves
  std::vector<Warning> warnings;

  bool complete() const { return world_size > 0 && completed >= world_size; }
  double fraction() const { return world_size > 0 ? static_cast<double>(completed) / static_cast<double>(world_size) : 0; }
  std::int64_t failed_ranks() const;
  // Incomplete ranks as ranges, in order.
  std::vector<RankRange> incomplete_ranges() const;
  // Incomplete ranks, at most `limit` of them.
  std::vector<std::int64_t> incomplete_ranks(std::size_t limit) const;
};

// "7,40-45" from ranges.
std::string format_ranges(const std::vector<RankRange>& ranges, std::size_t max_items = SIZE_MAX);

// Parses a marker file name: all digits, at most 12 of them. Returns the rank.
std::optional<std::int64_t> parse_rank_name(const std::string& name);

// The name datatrove gives a rank's task log under logs/: "task_00007.log".
std::string task_log_name(std::int64_t rank);

const char* to_string(RankState state);

}  // namespace jobmon
