// JobState: what jobmon knows about one datatrove-style job directory
// (executor.json + completions/ markers + logs/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/warning.hpp"

namespace jobmon {

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
  std::string message;            // the error line for a failed rank (bounded: see RankCounts)
  std::optional<double> log_mtime;
  std::uint64_t log_size = 0;     // with log_mtime: a log that did not change need not be re-read
  bool earlier_attempt = false;   // written well before executor.json was: a relaunch since
};

// What the task logs say about a job's incomplete ranks. Exact when every
// incomplete rank was accounted for; a byte budget that stops the reading
// leaves `unread` ranks, and the other counts are then lower bounds.
struct RankCounts {
  std::int64_t running = 0;            // a log of this attempt, no error, no "done" line
  std::int64_t failed = 0;             // a log of this attempt that ends in an error
  std::int64_t finished_unmarked = 0;  // the log says done, but there is no marker
  std::int64_t pending = 0;            // no log at all
  std::int64_t failed_earlier_attempt = 0;  // failed logs older than executor.json (relaunched since)
  std::int64_t unread = 0;             // incomplete ranks the budget left unread
  bool exact() const { return unread == 0; }
};

// slurm_logs/<array>_<index>.out: one array task's output (datatrove's
// `%A_%a.out`: the array's base id and the task's index). Where Slurm itself
// writes, so time-limit, out-of-memory and cancel messages land here.
struct SlurmLogFile {
  std::string array_job_id;
  std::int64_t index = 0;
  std::string path;
  double mtime = 0;
  std::uint64_t size = 0;
};

// What datatrove wrote when it launched the job on Slurm: how array tasks map
// to ranks (array task i of a launch runs ranks_to_run[i*tpj .. (i+1)*tpj),
// one after the other) and where their output went. `launched_on_slurm` is
// false for jobs launched another way; the rest is then empty.
struct SlurmLaunch {
  bool launched_on_slurm = false;  // launch_script.slurm, a slurm_logs/ dir or Slurm keys in executor.json
  std::string job_name;            // executor.json job_name, else the launch script's --job-name
  std::int64_t tasks_per_job = 1;  // ranks one array task runs, in turn
  std::optional<std::int64_t> max_array_size;  // a launch is split into arrays of at most this many tasks
  bool has_ranks_to_run = false;   // ranks_to_run.json was read
  bool ranks_to_run_unreadable = false;  // it exists but is not a list of distinct ranks: nothing is mapped
  std::vector<std::int64_t> ranks_to_run;  // this launch's ranks, in array order (as written)
  std::optional<double> ranks_to_run_mtime;
  std::string logs_dir;            // where the slurm logs are; empty when none was found
  std::optional<double> logs_dir_mtime;   // when it was listed (a change lists it again)
  std::vector<SlurmLogFile> logs;  // sorted by (array id as a number, index)
  bool logs_truncated = false;     // more files than a listing keeps
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
  // Task logs of the incomplete ranks (read only for incomplete jobs).
  bool logs_read = false;                 // rank_counts and the times below are filled
  RankCounts rank_counts;
  std::optional<double> last_log_write;   // newest log mtime of a running or done-unmarked rank (evidence of life)
  std::optional<double> last_failure_at;  // newest log mtime of a failed rank of this attempt
  // Incomplete ranks that have a log, ascending by rank; pending ranks (no
  // log) are not listed. Bounded (ScanOptions::max_rank_issues): the counts
  // above stay exact when the list is cut.
  std::vector<RankIssue> rank_issues;
  bool rank_issues_truncated = false;     // more ranks with logs than listed
  std::vector<std::string> pipeline_steps;// from executor.json, when the steps name themselves
  SlurmLaunch slurm;                      // how Slurm runs it, when it does
  std::vector<Warning> warnings;

  bool complete() const { return world_size > 0 && completed >= world_size; }
  double fraction() const { return world_size > 0 ? static_cast<double>(completed) / static_cast<double>(world_size) : 0; }
  std::int64_t failed_ranks() const;
  // Incomplete ranks as ranges, in order.
  std::vector<RankRange> incomplete_ranges() const;
  // Incomplete ranks, at most `limit` of them.
  std::vector<std::int64_t> incomplete_ranks(std::size_t limit) const;
};

// Adds one classified log to rank_counts and to the evidence times
// (last_log_write, last_failure_at): what the task-log reader does for each
// log it reads, and recount_ranks for each of rank_issues.
void count_rank_issue(JobState& job, const RankIssue& issue);

// Fills logs_read, rank_counts, last_log_write and last_failure_at from
// rank_issues (every incomplete rank without an issue is pending, except the
// rank_counts.unread ones, which are kept). For
// JobStates built by hand or edited; the Scanner fills them as it reads.
// With rank_issues_truncated the counts cannot be rebuilt and are kept.
void recount_ranks(JobState& job);

// "7,40-45" from ranges.
std::string format_ranges(const std::vector<RankRange>& ranges, std::size_t max_items = SIZE_MAX);

// Parses a marker file name the way datatrove writes it: the rank as at least
// five digits, zero-padded ("00042", "123456"). Returns the rank; nothing for
// any other name ("42", "000042", "x").
std::optional<std::int64_t> parse_rank_name(const std::string& name);

// The name datatrove gives a rank's task log under logs/: "task_00007.log".
std::string task_log_name(std::int64_t rank);

const char* to_string(RankState state);

}  // namespace jobmon
