#include "jobmon/training/training_scanner.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "jobmon/clock.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "training/run_discovery.hpp"
#include "training/run_reader.hpp"

namespace jobmon {

struct TrainingScanner::Impl {
  std::shared_ptr<const Storage> storage;
  TrainingScanOptions options;
  struct Cached {
    std::unique_ptr<detail::RunReader> reader;
    std::shared_ptr<const TrainingRun> run;
    std::string identity;  // the dir's (Storage::directory_identity) when the reader was made
  };
  std::map<std::string, Cached> runs;  // by dir
  detail::DiscoveryCache discovery;
};

TrainingScanner::TrainingScanner(std::shared_ptr<const Storage> storage, TrainingScanOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->storage = std::move(storage);
  impl_->options = std::move(options);
}

TrainingScanner::~TrainingScanner() = default;

TrainingScanResult TrainingScanner::scan(const std::vector<std::string>& targets, double now) {
  Impl& s = *impl_;
  if (!s.storage) s.storage = storage_for_targets(targets);
  TrainingScanResult result;
  const std::vector<std::string> dirs = detail::find_training_dirs(*s.storage, targets, s.options, result.warnings, s.discovery,
                                                                   wall_clock_now());
  std::map<std::string, Impl::Cached> next;
  for (const std::string& dir : dirs) {
    auto found = s.runs.find(dir);
    // A dir removed and made again (rm -rf out; a new run) is a new run: nothing read from the old one holds.
    std::string identity = s.storage->directory_identity(dir);
    if (found != s.runs.end() && found->second.identity != identity) found = s.runs.end();
    Impl::Cached cached = found != s.runs.end()
                              ? std::move(found->second)
                              : Impl::Cached{std::make_unique<detail::RunReader>(dir, s.options.run), nullptr, std::move(identity)};
    const bool changed = cached.reader->refresh(*s.storage);
    result.stats.bytes_read += cached.reader->bytes_read();
    result.stats.files_read += cached.reader->files_read();
    // An unchanged run that has ended stays the same object; a live one is
    // judged again (its quiet time and ETA move with the clock).
    const bool settled = cached.run && (cached.run->status == JobStatus::complete || cached.run->status == JobStatus::failed);
    if (changed || !settled) {
      if (changed) ++result.stats.runs_changed;
      cached.run = std::make_shared<const TrainingRun>(cached.reader->build(now));
    }
    result.runs.push_back(cached.run);
    next.emplace(dir, std::move(cached));
  }
  s.runs = std::move(next);
  result.stats.runs = result.runs.size();
  return result;
}

TrainingRun read_training_run(const Storage& storage, const std::string& dir, double now, const TrainingOptions& options) {
  storage.list(dir);  // throws StorageError when the dir cannot be listed
  detail::RunReader reader(dir, options);
  reader.refresh(storage);
  return reader.build(now);
}

}  // namespace jobmon
