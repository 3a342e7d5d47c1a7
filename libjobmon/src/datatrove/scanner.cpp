// Scanner: the refresh cache and the parallel reads of the directories that
// discovery (discovery.cpp) names.
#include "jobmon/datatrove/scanner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/system/parallel.hpp"
#include "datatrove/discovery.hpp"
#include "datatrove/job_dir_reader.hpp"
#include "datatrove/slurm/slurm_launch.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {
namespace {

struct CachedJob {
  std::shared_ptr<JobState> job;
  std::string identity;  // Storage::directory_identity: one job reached by two paths is listed once
  // completions/ as it was read: a reset (the directory removed and made
  // again, a new job dir in the old one's place) gives it a new mtime, or,
  // where mtimes are whole seconds, maybe only a new identity (kept only then).
  std::string completions_identity;
  double completions_mtime = -1;
  double listed_at = 0;
  double completions_mtime_seen_since = 0;  // the first listing that saw completions_mtime
  double logs_read_at = 0;
  double checked_at = 0;  // a complete job's last check on an object store (unchanged_since_read)
};

// A directory found not to be a job because it has no executor.json: only a
// change of the directory (its mtime) can make it one.
struct CachedNonJob {
  double mtime = -1;
  std::vector<Warning> warnings;  // what reading it said
};

// What one scan found for one candidate, filled by a worker thread.
struct Outcome {
  std::shared_ptr<const JobState> job;
  std::string identity;
  std::vector<Warning> warnings;
};

// What one scan did, counted from the worker threads.
struct ScanTally {
  std::atomic<std::size_t> completions_listed{0}, from_cache{0}, logs_read{0};
};


// A whole-second mtime: a coarse filesystem, where two directories made in
// the same second look alike (only their identity tells them apart).
bool whole_seconds(double mtime) { return mtime == std::floor(mtime); }

}  // namespace

struct Scanner::Impl {
  std::shared_ptr<const Storage> storage;
  ScanOptions options;
  unsigned threads = 1;
  std::mutex mutex;  // guards the caches below during parallel reads
  std::unordered_map<std::string, CachedJob> jobs;
  std::unordered_map<std::string, CachedNonJob> non_jobs;
  detail::JobDiscovery discovery;

  // A null storage is resolved from the first scan's targets (storage_factory.hpp).
  void use_storage(std::shared_ptr<const Storage> chosen) {
    storage = std::move(chosen);
    // I/O bound: more threads than cores keeps requests in flight on network filesystems.
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    // Object stores (mtimes come with listings) are bound by round trips, not cores.
    const bool object_store = storage && storage->list_includes_mtime();
    const unsigned automatic = object_store ? 16u : std::min(16u, std::max(4u, 2 * hw));
    threads = options.threads != 0 ? options.threads : automatic;
  }

  // Targets (paths or globs) -> candidate directories, sorted and distinct.
  std::vector<std::string> collect_targets(const std::vector<std::string>& targets, double now,
                                           std::vector<Warning>& warnings, detail::DiscoveryStats& stats) {
    return discovery.collect(*storage, options, targets, now,
                             [this](const std::string& dir) { return jobs.count(dir) != 0; }, warnings, stats);
  }

  // True while what a job was read from still stands: the same completions/
  // (mtime, and identity where mtimes are coarse) and the same executor.json
  // (mtime). Checked on every refresh, complete jobs included, so a reset
  // (completions/ made again with fewer markers, executor.json rewritten by a
  // relaunch, the job dir removed and made again) is read at once. Two stats
  // a job: with sub-second mtimes a completions/ made again has a new mtime
  // (its content can only differ if it changed after being made); only a
  // whole-second mtime (a coarse filesystem, where two directories made in
  // one second look alike) costs a third, for its identity (device+inode).
  // Object stores have no directory mtimes or identities (a prefix's "mtime"
  // is when it was listed): there, a complete job is checked through
  // executor.json alone, from the job dir's listing (one request, so at most
  // every log_refresh_seconds: see reuse_cached_job).
  bool unchanged_since_read(const std::string& path, const CachedJob& cached) const {
    const std::string completions = storage->join(path, "completions");
    const bool object_store = storage->list_includes_mtime();
    if (!(object_store && cached.job->complete())) {
      const FileStat st = storage->stat(completions);
      const double mtime = st.type == EntryType::directory ? st.mtime : -1;
      if (mtime != cached.completions_mtime ||
          !listing_settled(mtime, cached.listed_at, cached.completions_mtime_seen_since))
        return false;
      if (mtime >= 0 && whole_seconds(mtime) && storage->directory_identity(completions) != cached.completions_identity)
        return false;
    }
    // A relaunch rewrites executor.json without touching completions/: a new
    // attempt (and maybe a new world_size), so the job is read again.
    const FileStat executor = storage->stat(storage->join(path, "executor.json"));
    return executor.type == EntryType::file && cached.job->launched_at && executor.mtime == *cached.job->launched_at;
  }

  // A cached job whose completions/ and executor.json did not change, its
  // task logs re-read when due; null when the job must be read again.
  std::shared_ptr<const JobState> reuse_cached_job(const std::string& path, CachedJob cached, double now,
                                                   ScanTally& tally) {
    // On an object store checking a complete job costs a request (its job
    // dir's listing): done at most every log_refresh_seconds, like task logs.
    const bool costs_a_request = storage->list_includes_mtime() && cached.job->complete();
    if (costs_a_request && now - cached.checked_at < options.log_refresh_seconds) {
      tally.from_cache.fetch_add(1);
      return cached.job;
    }
    if (!unchanged_since_read(path, cached)) return nullptr;
    if (costs_a_request) {
      cached.checked_at = now;
      std::lock_guard lock(mutex);
      jobs[path] = cached;
    }
    if (!cached.job->complete() && now - cached.logs_read_at >= options.log_refresh_seconds) {
      auto refreshed = std::make_shared<JobState>(*cached.job);
      tally.logs_read.fetch_add(detail::diagnose_incomplete_ranks(*storage, *refreshed, options));
      detail::refresh_slurm_launch(*storage, *refreshed, options);
      cached.job = refreshed;
      cached.logs_read_at = now;
      std::lock_guard lock(mutex);
      jobs[path] = cached;
    }
    tally.from_cache.fetch_add(1);
    return cached.job;
  }

  // A directory found not to be a job, whose mtime has not moved since.
  bool still_not_a_job(const std::string& path, double checked_mtime) {
    const FileStat st = storage->stat(path);
    return st.type == EntryType::directory && st.mtime == checked_mtime;
  }

  // Reads the candidate from scratch and remembers what it found.
  void read_and_cache(const std::string& path, double now, ScanTally& tally, Outcome& found) {
    // Identity and mtime taken before the listing: a change during the read
    // then shows as a difference on the next refresh.
    const std::string completions = storage->join(path, "completions");
    const FileStat completions_before = storage->stat(completions);
    std::string completions_identity;
    if (completions_before.type == EntryType::directory && whole_seconds(completions_before.mtime))
      completions_identity = storage->directory_identity(completions);
    detail::JobReadResult read = detail::read_job_dir(*storage, path, options);
    tally.completions_listed.fetch_add(read.listings);
    tally.logs_read.fetch_add(read.logs_read);
    found.warnings = read.warnings;
    if (read.job) {
      CachedJob entry;
      entry.identity = storage->directory_identity(path);
      entry.completions_identity = std::move(completions_identity);
      entry.completions_mtime = completions_before.type == EntryType::directory ? completions_before.mtime : -1;
      entry.listed_at = now;
      entry.completions_mtime_seen_since = now;
      entry.logs_read_at = now;
      entry.checked_at = now;
      entry.job = read.job;
      found.job = read.job;
      found.identity = entry.identity;
      std::lock_guard lock(mutex);
      if (const auto before = jobs.find(path);
          before != jobs.end() && before->second.completions_mtime == entry.completions_mtime)
        entry.completions_mtime_seen_since = before->second.completions_mtime_seen_since;
      jobs[path] = std::move(entry);
      non_jobs.erase(path);
    } else {
      // Only a settled mtime is a safe key: a fresh dir may still be getting its executor.json.
      const FileStat st = read.missing_executor ? storage->stat(path) : FileStat{};
      const bool keep = st.type == EntryType::directory && listing_settled(st.mtime, now);
      std::lock_guard lock(mutex);
      jobs.erase(path);  // what it was is no longer known (e.g. completions/ became unreadable)
      non_jobs.erase(path);
      if (keep) non_jobs[path] = CachedNonJob{st.mtime, std::move(read.warnings)};
    }
  }

  // One candidate, on a worker thread: from the cache while it stands, else read.
  void refresh(const std::string& path, double now, ScanTally& tally, Outcome& found) {
    CachedJob cached;
    bool have_cached = false;
    CachedNonJob non_job;
    {
      std::lock_guard lock(mutex);
      if (auto it = jobs.find(path); it != jobs.end()) {
        cached = it->second;
        have_cached = true;
      } else if (auto nj = non_jobs.find(path); nj != non_jobs.end()) {
        non_job = nj->second;
      }
    }
    if (have_cached) {
      std::string identity = cached.identity;
      if (auto job = reuse_cached_job(path, std::move(cached), now, tally)) {
        found.job = std::move(job);
        found.identity = std::move(identity);
        return;
      }
    } else if (non_job.mtime >= 0 && still_not_a_job(path, non_job.mtime)) {
      found.warnings = std::move(non_job.warnings);
      return;
    }
    read_and_cache(path, now, tally, found);
  }

  // Jobs, non-job dirs and listings that no target reaches any more stop
  // being cached (a long-running server watching dated dirs must not grow).
  void prune(const std::vector<std::string>& candidates) {
    if (jobs.size() + non_jobs.size() > candidates.size() * 2 + 1024) {
      std::set<std::string> live(candidates.begin(), candidates.end());
      std::erase_if(jobs, [&](const auto& kv) { return live.count(kv.first) == 0; });
      std::erase_if(non_jobs, [&](const auto& kv) { return live.count(kv.first) == 0; });
    }
    discovery.prune();
  }

  // One job reached by two paths (a symlinked job dir beside the dir itself,
  // overlapping targets) is listed once, under the first path in name order
  // (candidates are sorted).
  static void drop_duplicates(std::vector<Outcome>& found) {
    std::set<std::string> seen;
    for (Outcome& outcome : found) {
      if (outcome.job && !seen.insert(outcome.identity).second) outcome.job.reset();
    }
  }
};

Scanner::Scanner(std::shared_ptr<const Storage> storage, ScanOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->use_storage(std::move(storage));
}

Scanner::~Scanner() = default;

const ScanOptions& Scanner::options() const { return impl_->options; }
unsigned Scanner::thread_count() const { return impl_->threads; }

void Scanner::clear_cache() {
  impl_->jobs.clear();
  impl_->non_jobs.clear();
  impl_->discovery.clear();
}

ScanResult Scanner::scan(const std::vector<std::string>& targets) {
  Impl& s = *impl_;
  const auto started = std::chrono::steady_clock::now();
  const double now = wall_clock_now();
  ScanResult result;
  if (!s.storage) s.use_storage(storage_for_targets(targets));

  detail::DiscoveryStats discovery;
  const std::vector<std::string> candidates = s.collect_targets(targets, now, result.warnings, discovery);
  std::vector<Outcome> found(candidates.size());
  ScanTally tally;
  detail::parallel_for(candidates.size(), s.threads,
                       [&](std::size_t i) { s.refresh(candidates[i], now, tally, found[i]); });
  Impl::drop_duplicates(found);

  for (Outcome& outcome : found) {
    if (outcome.job) result.jobs.push_back(std::move(outcome.job));
    for (auto& w : outcome.warnings) result.warnings.push_back(std::move(w));
  }
  s.prune(candidates);
  result.stats.candidates = candidates.size();
  result.stats.jobs = result.jobs.size();
  result.stats.directories_visited = discovery.directories_visited;
  result.stats.discovery_truncated = discovery.truncated;
  result.stats.completions_listed = tally.completions_listed.load();
  result.stats.directory_listings = tally.completions_listed.load() + discovery.listings;
  result.stats.jobs_from_cache = tally.from_cache.load();
  result.stats.logs_read = tally.logs_read.load();
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace jobmon
