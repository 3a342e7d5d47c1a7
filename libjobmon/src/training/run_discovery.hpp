// Finding training runs under targets (the rules are in training_scanner.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/storage/storage.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "jobmon/warning.hpp"

namespace jobmon::detail {

inline constexpr std::string_view kEventFilePrefix = "events.out.tfevents.";

bool is_event_file_name(std::string_view name);
// "checkpoint-1500" -> 1500; none for other names.
std::optional<std::int64_t> checkpoint_step(std::string_view name);

// What discovery saw of each directory, kept between scans: a directory
// whose mtime has not moved since a settled listing is not listed again
// (listing_settled), unless it holds names a run grows from
// (checkpoint-*, runs/, train/, metrics.csv...), since the file that makes
// it a run lands one level down and leaves its mtime alone.
struct DiscoveryCache {
  struct Dir {
    double mtime = 0;
    double listed_at = 0;
    bool run = false;
    bool may_become_run = false;
    std::vector<std::pair<std::string, bool>> children;  // subdirectories: name, reached through a symlink
  };
  std::map<std::string, Dir> dirs;
};

// The run dirs under the targets, sorted and without duplicates. Globs are
// expanded; a target that is a run is itself; otherwise its subdirectories
// (starting with options.prefix) that are runs, and with options.recursive
// deeper, within max_depth and max_directories (a warning when a bound is
// hit). A symlink directly below a target counts when it is a run but is
// never walked through (as the datatrove Scanner: -r over a link to / ends
// at once); deeper symlinks are not followed. Unlistable targets give a warning.
std::vector<std::string> find_training_dirs(const Storage& storage, const std::vector<std::string>& targets,
                                            const TrainingScanOptions& options, std::vector<Warning>& warnings,
                                            DiscoveryCache& cache, double now);

}  // namespace jobmon::detail
