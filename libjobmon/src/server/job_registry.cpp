#include "jobmon/server/job_registry.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/glob.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "jobmon/training/run_report.hpp"
#include "server/registry_entries.hpp"

namespace jobmon {
namespace json = boost::json;
namespace {

using Entries = std::vector<RegistryEntry>;

// Data-Juicer work dirs found under the targets, each followed by its own
// incremental analyzer (only appended bytes are read on a refresh).
class DataJuicerJobs {
 public:
  // `datatrove` holds the job dirs the scanner already knows: they are skipped without a stat.
  std::vector<std::string> discover(const Storage& storage, const std::vector<std::string>& targets,
                                    const std::set<std::string>& datatrove) const {
    std::vector<std::string> found;
    for (const auto& target : targets) {
      std::vector<std::string> dirs;
      try {
        dirs = has_glob_chars(target) ? expand_glob(storage, target) : std::vector<std::string>{target};
      } catch (const Error&) {
        continue;  // the scanner reports bad targets
      }
      for (const auto& dir : dirs) {
        if (is_datatrove_dir(storage, dir, datatrove)) continue;
        if (detail::is_data_juicer_dir(storage, dir)) {
          found.push_back(dir);
          continue;
        }
        std::vector<DirEntry> children;
        try {
          children = storage.list(dir);
        } catch (const StorageError&) {
          continue;
        }
        for (const auto& child : children) {
          if (child.type != EntryType::directory || child.name.starts_with('.')) continue;
          const std::string path = storage.join(dir, child.name);
          if (is_work_dir(storage, path, datatrove)) found.push_back(path);
        }
      }
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    return found;
  }

  // Brings every work dir's snapshot up to date; a dir that fails is reported and started over next time.
  std::vector<std::pair<std::string, std::shared_ptr<const Snapshot>>> update(
      const std::vector<std::string>& work_dirs, const std::shared_ptr<const Storage>& storage, double now,
      std::vector<Warning>& warnings) {
    const std::set<std::string> wanted(work_dirs.begin(), work_dirs.end());
    std::erase_if(analyzers_, [&](const auto& kv) { return wanted.count(kv.first) == 0; });
    std::vector<std::pair<std::string, std::shared_ptr<const Snapshot>>> snapshots;
    for (const auto& dir : work_dirs) {
      auto& analyzer = analyzers_[dir];
      if (!analyzer) analyzer = std::make_unique<SnapshotAnalyzer>(dir, storage);
      try {  // one hostile work dir must not stop every other job from refreshing
        analyzer->update();
        snapshots.emplace_back(dir, std::make_shared<const Snapshot>(analyzer->snapshot(now)));
      } catch (const std::exception& e) {
        warnings.push_back({dir, e.what()});
        analyzer.reset();
      }
    }
    return snapshots;
  }

 private:
  static bool is_datatrove_dir(const Storage& storage, const std::string& dir, const std::set<std::string>& datatrove) {
    return datatrove.count(dir) != 0 || storage.stat(storage.join(dir, "executor.json")).type != EntryType::missing;
  }
  static bool is_work_dir(const Storage& storage, const std::string& dir, const std::set<std::string>& datatrove) {
    return !is_datatrove_dir(storage, dir, datatrove) && detail::is_data_juicer_dir(storage, dir);
  }

  std::map<std::string, std::unique_ptr<SnapshotAnalyzer>> analyzers_;
};

// What changed between two lists: new jobs, a new status or count, and jobs gone.
std::vector<RegistryChange> changes_between(const Entries& previous, const Entries& fresh) {
  std::unordered_map<std::string, const RegistryEntry*> before;
  for (const auto& e : previous) before[e.id] = &e;
  std::vector<RegistryChange> changes;
  for (const auto& e : fresh) {
    auto it = before.find(e.id);
    if (it == before.end() || it->second->status != e.status || it->second->done != e.done)
      changes.push_back({e.id, e.status, e.done});
    if (it != before.end()) before.erase(it);
  }
  for (const auto& gone : before) changes.push_back({gone.first, std::nullopt, 0});
  return changes;
}

int attention_group(JobStatus status) {
  switch (status) {
    case JobStatus::failed: return 0;
    case JobStatus::stalled: return 1;
    case JobStatus::running: return 2;
    case JobStatus::pending: return 3;
    case JobStatus::complete: return 4;
  }
  return 5;
}

}  // namespace

bool attention_before(const RegistryEntry& a, const RegistryEntry& b) {
  const int ga = attention_group(a.status), gb = attention_group(b.status);
  if (ga != gb) return ga < gb;
  if (a.status == JobStatus::complete) {
    const double fa = a.finished_at.value_or(0), fb = b.finished_at.value_or(0);
    if (fa != fb) return fa > fb;
  }
  return a.path < b.path;
}

struct JobRegistry::Impl {
  // A null storage is resolved from the targets, as everywhere (storage_factory.hpp).
  Impl(std::shared_ptr<const Storage> storage_in, std::vector<std::string> targets_in, RegistryOptions options_in)
      : storage(storage_in ? std::move(storage_in) : storage_for_targets(targets_in)),
        targets(std::move(targets_in)),
        options(std::move(options_in)),
        scanner(storage, options.scan),
        scheduler_join(make_scheduler_join(options.scheduler, storage, options.scheduler_options)),
        training(storage, training_scan_options(options)) {}

  const std::shared_ptr<const Storage> storage;
  const std::vector<std::string> targets;
  const RegistryOptions options;
  Scanner scanner;
  std::unique_ptr<SchedulerJoin> scheduler_join;  // touched by refresh() only
  DataJuicerJobs data_juicer;  // touched by refresh() only
  TrainingScanner training;    // touched by refresh() only

  static TrainingScanOptions training_scan_options(const RegistryOptions& o) {
    TrainingScanOptions t;
    t.prefix = o.scan.prefix;
    t.recursive = o.scan.recursive;
    t.max_depth = o.scan.max_depth;
    t.max_directories = o.scan.max_directories;
    t.run = o.training_options;
    return t;
  }

  // Guarded by mutex: refresh() swaps these in, readers copy them out.
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::uint64_t version = 0;
  bool closed = false;
  std::shared_ptr<const Entries> entries = std::make_shared<Entries>();
  std::shared_ptr<const std::string> first_jobs_page = std::make_shared<std::string>();
  std::vector<Warning> warnings;
  std::vector<RegistryChange> last_changes;
  std::deque<std::pair<std::uint64_t, std::vector<RegistryChange>>> history;  // recent versions' changes
  Totals totals;
  double last_refresh = 0;
  std::optional<double> last_refresh_duration;

  std::shared_ptr<const Entries> entries_view() const {
    std::lock_guard lock(mutex);
    return entries;
  }

  // Datatrove entries from the aggregate. A complete job's entry depends only
  // on its (cached, immutable) state: the previous one is reused, and its copy
  // shares the serialised summary, so a refresh allocates texts only for the
  // jobs it rebuilt.
  static Entries datatrove_entries(const Aggregate& agg, const Entries& previous) {
    std::unordered_map<std::string, const RegistryEntry*> reusable;
    for (const auto& e : previous) {
      if (e.kind() == JobKind::datatrove && e.status == JobStatus::complete) reusable.emplace(e.path, &e);
    }
    Entries list;
    list.reserve(agg.rows.size());
    for (const JobRow& row : agg.rows) {
      auto it = reusable.find(row.job->path);
      if (row.status == JobStatus::complete && it != reusable.end() &&
          std::get<JobRow>(it->second->source).job == row.job) {
        list.push_back(*it->second);
      } else {
        list.push_back(detail::datatrove_entry(row));
      }
    }
    return list;
  }

  // Data-Juicer entries (each analyzer reads only what was appended), counted into `totals`.
  void add_data_juicer_entries(const std::vector<std::string>& work_dirs, double now, Entries& list,
                               Totals& counts, std::vector<Warning>& warnings_out) {
    for (auto& [dir, snapshot] : data_juicer.update(work_dirs, storage, now, warnings_out)) {
      RegistryEntry e = detail::data_juicer_entry(dir, std::move(snapshot));
      ++counts.jobs_total;
      counts.tasks_total += e.total;
      counts.tasks_completed += e.done;
      count_status(e.status, counts);
      list.push_back(std::move(e));
    }
  }

  // Training run entries: a run the scanner did not touch is the same object
  // as before, and keeps its entry (and summary text) as it was.
  static void add_training_entries(const TrainingScanResult& scan, const Entries& previous, Entries& list, Totals& counts) {
    std::unordered_map<const TrainingRun*, const RegistryEntry*> reusable;
    for (const auto& e : previous) {
      if (const auto* run = std::get_if<std::shared_ptr<const TrainingRun>>(&e.source)) reusable.emplace(run->get(), &e);
    }
    for (const auto& run : scan.runs) {
      if (!run) continue;
      const auto it = reusable.find(run.get());
      list.push_back(it != reusable.end() ? *it->second : detail::training_entry(run));
      ++counts.jobs_total;
      count_status(list.back().status, counts);
    }
  }

  // Swaps the new state in (pointer swaps under the lock) and wakes waiters when something changed.
  void publish(std::shared_ptr<const Entries> fresh, std::string first_page, std::vector<Warning> fresh_warnings,
               const Totals& fresh_totals, double now, const std::vector<RegistryChange>& changes, double took) {
    std::lock_guard lock(mutex);
    last_refresh_duration = took;
    entries = std::move(fresh);
    first_jobs_page = std::make_shared<const std::string>(std::move(first_page));
    warnings = std::move(fresh_warnings);
    totals = fresh_totals;
    last_refresh = now;
    if (changes.empty()) return;
    ++version;
    last_changes = changes;
    history.emplace_back(version, changes);
    while (history.size() > 64) history.pop_front();
    changed.notify_all();
  }
};

JobRegistry::JobRegistry(std::shared_ptr<const Storage> storage, std::vector<std::string> targets,
                         RegistryOptions options)
    : impl_(std::make_unique<Impl>(std::move(storage), std::move(targets), std::move(options))) {}

JobRegistry::~JobRegistry() = default;

std::vector<RegistryChange> JobRegistry::refresh(double now) {
  Impl& d = *impl_;
  const auto started = std::chrono::steady_clock::now();
  const ScanResult scan = d.scanner.scan(d.targets);
  const SchedulerView scheduler = d.scheduler_join->refresh(scan.jobs, now);
  const Aggregate agg = aggregate(scan.jobs, now, {}, &scheduler);
  // The previous list is immutable: read it without holding the lock, so that
  // requests never wait behind this (low-priority) refresh.
  const auto previous = d.entries_view();
  Entries fresh = Impl::datatrove_entries(agg, *previous);
  Totals totals = agg.totals;

  std::set<std::string> datatrove_paths;
  for (const JobRow& row : agg.rows) datatrove_paths.insert(row.job->path);
  const std::vector<std::string> work_dirs = d.data_juicer.discover(*d.storage, d.targets, datatrove_paths);
  const std::set<std::string> dj_paths(work_dirs.begin(), work_dirs.end());
  TrainingScanResult training;
  if (d.options.training) training = d.training.scan(d.targets, now);
  std::vector<Warning> warnings;
  for (auto& w : without_training_dirs(scan.warnings, training.runs)) {
    // "no executor.json" is expected in Data-Juicer work dirs too.
    if (dj_paths.count(w.path) == 0) warnings.push_back(std::move(w));
  }
  for (const auto& row : agg.rows) warnings.insert(warnings.end(), row.job->warnings.begin(), row.job->warnings.end());
  warnings.insert(warnings.end(), agg.warnings.begin(), agg.warnings.end());
  d.add_data_juicer_entries(work_dirs, now, fresh, totals, warnings);
  Impl::add_training_entries(training, *previous, fresh, totals);
  for (auto& w : training_warnings(training)) warnings.push_back(std::move(w));

  std::sort(fresh.begin(), fresh.end(), attention_before);
  std::string first_page = detail::render_jobs_page(fresh, [](const RegistryEntry&) { return true; }, 0,
                                                    static_cast<std::int64_t>(d.options.jobs_page_size), now);
  auto fresh_entries = std::make_shared<const Entries>(std::move(fresh));
  std::vector<RegistryChange> changes = changes_between(*previous, *fresh_entries);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  d.publish(std::move(fresh_entries), std::move(first_page), std::move(warnings), totals, now, changes, took);
  return changes;
}

std::uint64_t JobRegistry::version() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->version;
}

std::uint64_t JobRegistry::wait_for_change(std::uint64_t seen, double timeout_seconds) const {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                          [&] { return impl_->version != seen || impl_->closed; });
  return impl_->version;
}

std::pair<std::uint64_t, std::vector<RegistryChange>> JobRegistry::wait_for_changes(std::uint64_t seen,
                                                                                    double timeout_seconds) const {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, std::chrono::duration<double>(timeout_seconds),
                          [&] { return impl_->version != seen || impl_->closed; });
  std::vector<RegistryChange> out;
  std::unordered_map<std::string, std::size_t> slot;
  for (const auto& [version, changes] : impl_->history) {
    if (version <= seen) continue;
    for (const auto& c : changes) {
      auto [it, fresh] = slot.emplace(c.id, out.size());
      if (fresh) out.push_back(c);
      else out[it->second] = c;  // the latest state of that job wins
    }
  }
  return {impl_->version, std::move(out)};
}

void JobRegistry::close() {
  std::lock_guard lock(impl_->mutex);
  impl_->closed = true;
  impl_->changed.notify_all();
}

bool JobRegistry::closed() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->closed;
}

std::vector<RegistryChange> JobRegistry::last_changes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_changes;
}

std::vector<RegistryEntry> JobRegistry::entries() const { return *entries_view(); }

std::shared_ptr<const std::vector<RegistryEntry>> JobRegistry::entries_view() const { return impl_->entries_view(); }

std::shared_ptr<const std::string> JobRegistry::first_jobs_page() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->first_jobs_page;
}

std::shared_ptr<const RegistryEntry> JobRegistry::find(const std::string& id) const {
  auto view = entries_view();
  for (const auto& e : *view) {
    if (e.id == id) return {view, &e};  // aliasing: the entry keeps its list alive
  }
  return nullptr;
}

std::vector<Warning> JobRegistry::warnings() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->warnings;
}

Totals JobRegistry::totals() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->totals;
}

std::optional<double> JobRegistry::last_refresh_duration() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_refresh_duration;
}

double JobRegistry::last_refresh() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_refresh;
}

std::optional<json::value> JobRegistry::detail(const std::string& id) const {
  const auto found = find(id);
  if (!found) return std::nullopt;
  switch (found->kind()) {
    case JobKind::data_juicer: return detail::data_juicer_detail(*found, impl_->options);
    case JobKind::training: return detail::training_detail(*found, impl_->options);
    case JobKind::datatrove: break;
  }
  return detail::datatrove_detail(*found, impl_->options);
}

const Storage& JobRegistry::storage() const { return *impl_->storage; }
const RegistryOptions& JobRegistry::options() const { return impl_->options; }
const std::vector<std::string>& JobRegistry::targets() const { return impl_->targets; }

}  // namespace jobmon
