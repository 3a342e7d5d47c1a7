// Scanner: finds datatrove-style job directories under paths and globs and
// reads their state through a Storage. Keeps a cache between calls so a
// refresh costs only what changed: a job (complete or not) whose completions/
// (identity and mtime) and executor.json (mtime) did not change is not listed
// again, so a reset (completions/ made again, a relaunch, the job dir removed
// and made again) is read at the next refresh; directories without
// executor.json are re-checked only when their mtime changes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon {

// Which jobs get per-marker mtimes (one stat per marker). Complete jobs need
// none: completions/'s own mtime is the moment the last marker arrived.
enum class MarkerTimes { none, incomplete_jobs, all };

struct ScanOptions {
  bool recursive = false;  // look below non-job subdirectories too (never through a symlink)
  int max_depth = 8;       // recursion limit below each root
  // Only directories whose name starts with this are candidates (a path
  // target that is itself a job is kept; glob matches must match): other
  // directories are not read, and so never warned about. Containers walked
  // by `recursive` need not match.
  std::string prefix;
  unsigned threads = 0;    // parallel job reads; 0 = automatic
  MarkerTimes marker_times = MarkerTimes::incomplete_jobs;
  // Task logs: every incomplete rank's log tail is read, so rank counts are
  // exact; a job's logs past log_bytes_per_job are left unread and counted
  // (RankCounts::unread), never guessed. 0 reads no logs at all.
  std::uint64_t log_bytes_per_job = 256ull << 20;
  std::uint64_t log_tail_bytes = 16384;   // the most read from the end of one log
  std::size_t max_rank_issues = 10000;    // ranks with logs listed per job (counts stay exact)
  std::size_t max_rank_messages = 1000;   // failure messages kept per job (the rest: rank and state only)
  double log_refresh_seconds = 30;        // re-read those logs at most this often
  // A log older than executor.json by more than this is an earlier attempt's
  // (a relaunch rewrites executor.json; a copy writes both within seconds).
  double relaunch_margin_seconds = 60;
  std::uint64_t max_executor_bytes = 16ull << 20;
  // Discovery bound: directories one scan may visit (list) while looking for
  // jobs, recursing or expanding `**`; beyond it the walk stops with a
  // warning, and the jobs found so far are reported.
  std::size_t max_directories = 100000;
};

struct ScanStats {
  std::size_t candidates = 0;          // directories considered
  std::size_t jobs = 0;                // of which jobs
  std::size_t directories_visited = 0; // walked while looking for jobs (cached or not)
  bool discovery_truncated = false;    // max_directories stopped the walk (a warning says so)
  std::size_t completions_listed = 0;  // completions/ listings done in this scan
  std::size_t directory_listings = 0;  // all listings (roots, globs, completions)
  std::size_t jobs_from_cache = 0;     // jobs answered without listing
  std::size_t logs_read = 0;
  double seconds = 0;
};

struct ScanResult {
  std::vector<std::shared_ptr<const JobState>> jobs;  // sorted by path
  std::vector<Warning> warnings;                      // not-a-job dirs, bad targets, unreadable dirs, limits
  ScanStats stats;
};

class Scanner {
 public:
  // A null storage is resolved from the first scan's targets
  // (storage_for_targets, see storage_factory.hpp) and kept.
  explicit Scanner(std::shared_ptr<const Storage> storage, ScanOptions options = {});
  ~Scanner();
  Scanner(const Scanner&) = delete;
  Scanner& operator=(const Scanner&) = delete;

  // Scans targets (paths or globs). A target that is itself a job directory
  // is a job; otherwise its subdirectories are the candidates (deeper with
  // recursive, stopping at job dirs; a walk never descends through a
  // symlink, though a symlink to a job dir is a job). One job reached by
  // two paths is listed once (device and inode; the first path in name
  // order). Problems become warnings naming the directory concerned: a
  // directory that is not a job (with recursive, only those that look like
  // a broken job: rank markers or task logs without executor.json), one
  // that cannot be read ("permission denied"). A job whose completions/
  // cannot be read is left out with a warning: its counts would be made up.
  // Never throws for such problems (resolving a null storage may throw like
  // storage_for_targets).
  ScanResult scan(const std::vector<std::string>& targets);

  // Forgets everything cached: the next scan reads from scratch.
  void clear_cache();

  const ScanOptions& options() const;
  // Parallel job reads; with a null storage, as for local files until the
  // first scan has resolved it.
  unsigned thread_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jobmon
