// Finding training runs under targets (the rules are in training_scanner.hpp).
#pragma once

#include <cstddef>
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

// The run dirs under the targets, sorted and without duplicates. Globs are
// expanded; a target that is a run is itself; otherwise its subdirectories
// (starting with options.prefix) that are runs, and with options.recursive
// deeper, never through a symlink, within max_depth and max_directories
// (a warning when a bound is hit). Unlistable targets give a warning.
std::vector<std::string> find_training_dirs(const Storage& storage, const std::vector<std::string>& targets,
                                            const TrainingScanOptions& options, std::vector<Warning>& warnings);

}  // namespace jobmon::detail
