#include "training/run_discovery.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <set>

#include "jobmon/error.hpp"
#include "jobmon/storage/glob.hpp"

namespace jobmon {
namespace detail {

bool is_event_file_name(std::string_view name) {
  return name.starts_with(kEventFilePrefix) && name.size() > kEventFilePrefix.size();
}

std::optional<std::int64_t> checkpoint_step(std::string_view name) {
  constexpr std::string_view prefix = "checkpoint-";
  if (!name.starts_with(prefix) || name.size() == prefix.size() || name.size() > prefix.size() + 18) return std::nullopt;
  std::int64_t step = 0;
  const char* first = name.data() + prefix.size();
  const char* last = name.data() + name.size();
  const auto [end, ec] = std::from_chars(first, last, step);
  if (ec != std::errc() || end != last || !std::all_of(first, last, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return step;
}

namespace {

bool has_entry(const std::vector<DirEntry>& entries, std::string_view name, EntryType type) {
  return std::any_of(entries.begin(), entries.end(), [&](const DirEntry& e) { return e.name == name && e.type == type; });
}

bool holds_event_files(const Storage& storage, const std::string& dir) {
  try {
    const auto entries = storage.list(dir);
    return std::any_of(entries.begin(), entries.end(),
                       [](const DirEntry& e) { return e.type == EntryType::file && is_event_file_name(e.name); });
  } catch (const std::exception&) {
    return false;
  }
}

struct Walk {
  const Storage& storage;
  const TrainingScanOptions& options;
  std::vector<Warning>& warnings;
  std::vector<std::string> found;
  std::size_t directories = 0;
  bool warned_bound = false;

  std::optional<std::vector<DirEntry>> list(const std::string& dir, bool warn) {
    if (directories >= options.max_directories) {
      if (!warned_bound) {
        warnings.push_back({dir, "training discovery stopped after " + std::to_string(options.max_directories) +
                                     " directories; runs further on are not shown"});
        warned_bound = true;
      }
      return std::nullopt;
    }
    ++directories;
    try {
      return storage.list(dir, ListOptions(false, false));
    } catch (const std::exception& e) {
      if (warn) warnings.push_back({dir, std::string("cannot list: ") + e.what()});
      return std::nullopt;
    }
  }

  // depth: 0 for a target itself.
  void visit(const std::string& dir, int depth, bool warn) {
    const auto entries = list(dir, warn);
    if (!entries) return;
    if (is_training_run_dir(storage, dir, *entries)) {
      found.push_back(dir);
      return;
    }
    if (depth >= 1 && !options.recursive) return;
    if (depth >= options.max_depth) return;
    std::vector<std::string> children;
    for (const DirEntry& e : *entries) {
      // Plain directories are walked; a symlink is followed only directly below a target.
      const bool dir_like = e.type == EntryType::directory || (e.type == EntryType::symlink && depth == 0);
      if (!dir_like || e.name.starts_with('.')) continue;
      if (depth == 0 && !e.name.starts_with(options.prefix)) continue;
      if (e.type == EntryType::symlink && storage.stat(storage.join(dir, e.name)).type != EntryType::directory) continue;
      children.push_back(e.name);
    }
    std::sort(children.begin(), children.end());
    for (const std::string& name : children) visit(storage.join(dir, name), depth + 1, false);
  }
};

}  // namespace

std::vector<std::string> find_training_dirs(const Storage& storage, const std::vector<std::string>& targets,
                                            const TrainingScanOptions& options, std::vector<Warning>& warnings) {
  Walk walk{storage, options, warnings, {}, 0, false};
  for (const std::string& target : targets) {
    std::vector<std::string> roots;
    if (has_glob_chars(target)) {
      try {
        roots = expand_glob(storage, target);
      } catch (const UsageError&) {
        throw;
      } catch (const std::exception& e) {
        warnings.push_back({target, e.what()});
      }
    } else {
      roots.push_back(target);
    }
    for (const std::string& root : roots) {
      if (storage.stat(root).type != EntryType::directory) continue;  // the datatrove scanner reports bad targets
      walk.visit(root, 0, true);
    }
  }
  std::sort(walk.found.begin(), walk.found.end());
  walk.found.erase(std::unique(walk.found.begin(), walk.found.end()), walk.found.end());
  return walk.found;
}

}  // namespace detail

bool is_training_run_dir(const Storage& storage, const std::string& dir, const std::vector<DirEntry>& entries) {
  using detail::holds_event_files;
  for (const DirEntry& e : entries) {
    if (e.name == "trainer_state.json" && e.type != EntryType::directory) return true;
    if (e.type == EntryType::file && detail::is_event_file_name(e.name)) return true;
  }
  if (detail::has_entry(entries, "metrics.csv", EntryType::file) && detail::has_entry(entries, "hparams.yaml", EntryType::file)) return true;
  for (const DirEntry& e : entries) {
    if (e.type != EntryType::directory) continue;
    if (detail::checkpoint_step(e.name) || e.name == "last-checkpoint") {
      if (storage.stat(storage.join(storage.join(dir, e.name), "trainer_state.json")).type == EntryType::file) return true;
    } else if (e.name == "runs") {
      try {
        for (const DirEntry& run : storage.list(storage.join(dir, "runs"), ListOptions(false, false))) {
          if (run.type == EntryType::directory && holds_event_files(storage, storage.join(storage.join(dir, "runs"), run.name))) {
            return true;
          }
        }
      } catch (const std::exception&) {
      }
    } else if (e.name == "train" || e.name == "validation") {
      // Keras' TensorBoard callback: train/ and validation/ sub-runs of one fit.
      if (holds_event_files(storage, storage.join(dir, e.name))) return true;
    }
  }
  return false;
}

}  // namespace jobmon
