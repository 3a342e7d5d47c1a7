// Discovery: targets (paths and globs) -> the directories the Scanner reads
// as jobs. Bounded on any tree: a walk (-r, `**`) never descends through a
// symlink, visits at most ScanOptions::max_directories directories, and its
// listing cache keeps only subdirectory names. Private to libjobmon.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {


struct DiscoveryStats {
  std::size_t listings = 0;             // directories listed (not answered from the cache)
  std::size_t directories_visited = 0;  // directories walked, cached or not
  bool truncated = false;               // max_directories stopped the walk
};

class JobDiscovery {
 public:
  // True for a directory the caller already knows to be a job (no need to look).
  using KnownJob = std::function<bool(const std::string& dir)>;

  // Candidate directories for the targets, sorted and distinct:
  // - a target (or glob match) that is a job, or looks like a broken one
  //   (completions/, or logs/ holding task logs, but no executor.json), is
  //   the candidate itself (a path whatever the prefix, a glob match when
  //   the prefix selects it); a target that is a job's completions/ or
  //   logs/ gets a warning naming the job instead;
  // - otherwise its subdirectories whose names start with options.prefix
  //   are (symlinks to directories included: people link job dirs together);
  // - with options.recursive, deeper: plain directories are walked (never
  //   through a symlink; a symlink to a job dir is a job), up to max_depth
  //   levels and max_directories directories, and only job dirs and broken
  //   ones (rank markers in completions/ or task logs in logs/, without
  //   executor.json) become candidates: a container is never warned about.
  // Problems become warnings naming the directory concerned.
  std::vector<std::string> collect(const Storage& storage, const ScanOptions& options,
                                   const std::vector<std::string>& targets, double now, const KnownJob& known_job,
                                   std::vector<Warning>& warnings, DiscoveryStats& stats);

  // Drops cached listings the last collect() did not use, once there are many.
  void prune();
  void clear();

  // A directory's subdirectories (and symlinks, unresolved), sorted by name,
  // while its mtime stands; and, once asked, whether it holds datatrove's
  // traces (rank markers in completions/, task logs in logs/).
  struct Listing {
    double mtime = -1;
    double listed_at = 0;
    std::uint64_t used = 0;  // the collect() that last needed it
    std::vector<DirEntry> subdirs;
    std::optional<bool> datatrove_traces;
  };

 private:
  std::unordered_map<std::string, Listing> listings_;
  std::uint64_t generation_ = 0;
};

}  // namespace jobmon::detail
