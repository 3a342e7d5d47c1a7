// Scanner: discovery of job directories, the refresh cache, parallel reads.
#include "jobmon/datatrove/scanner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/system/parallel.hpp"
#include "datatrove/job_dir_reader.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/glob.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon {
namespace {

// A listing taken within one timestamp tick of the directory's mtime may have
// missed a change made in that same tick (the mtime would not move), so it is
// trusted as a cache entry only once it was taken clearly after the mtime.
// Whole-second mtimes mean a coarse filesystem (ext3, HFS+, some NFS; FAT
// ticks every 2 s); sub-second ones (ext4, xfs, btrfs, tmpfs) tick every
// jiffy, a few ms, so a short window keeps re-listing rare at short intervals.
constexpr double coarse_mtime_settle_seconds = 2.0;
constexpr double fine_mtime_settle_seconds = 0.05;

struct CachedJob {
  std::shared_ptr<JobState> job;
  double completions_mtime = -1;
  double listed_at = 0;
  double logs_read_at = 0;
};

struct CachedListing {
  double mtime = -1;
  double listed_at = 0;
  std::uint64_t used = 0;  // the scan that last needed it (stale ones are pruned)
  std::vector<DirEntry> entries;
};

// What one scan did, counted from the worker threads.
struct ScanTally {
  std::atomic<std::size_t> completions_listed{0}, from_cache{0}, logs_read{0};
};

bool settled(double mtime, double listed_at) {
  const bool whole_seconds = mtime == std::floor(mtime);
  return listed_at - mtime > (whole_seconds ? coarse_mtime_settle_seconds : fine_mtime_settle_seconds);
}

}  // namespace

struct Scanner::Impl {
  std::shared_ptr<const Storage> storage;
  ScanOptions options;
  unsigned threads = 1;
  std::mutex mutex;  // guards the caches below during parallel reads
  std::unordered_map<std::string, CachedJob> jobs;
  std::unordered_map<std::string, double> non_jobs;  // path -> dir mtime when checked
  std::unordered_map<std::string, CachedListing> listings;
  std::vector<std::string> descending;  // identities of the dirs a recursive collect is inside
  std::uint64_t generation = 0;  // scans so far
  std::size_t listings_done = 0;

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

  // Lists a directory, reusing the previous listing while its mtime stands.
  const std::vector<DirEntry>* list_cached(const std::string& dir, double now) {
    const FileStat st = storage->stat(dir);
    if (st.type != EntryType::directory) return nullptr;
    auto it = listings.find(dir);
    if (it != listings.end() && it->second.mtime == st.mtime && settled(st.mtime, it->second.listed_at)) {
      it->second.used = generation;
      return &it->second.entries;
    }
    CachedListing fresh;
    try {
      fresh.entries = storage->list(dir);
    } catch (const StorageError&) {
      return nullptr;
    }
    ++listings_done;
    fresh.mtime = st.mtime;
    fresh.listed_at = now;
    std::sort(fresh.entries.begin(), fresh.entries.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    fresh.used = generation;
    auto& slot = listings[dir];
    slot = std::move(fresh);
    return &slot.entries;
  }

  // Anything named executor.json makes a job dir; read_job_dir then says
  // what is wrong with it if it is not a readable file.
  bool is_job_dir(const std::string& dir) {
    return storage->stat(storage->join(dir, "executor.json")).type != EntryType::missing;
  }

  // Collects candidate directories below `dir`. A target that is itself a
  // job is the candidate; otherwise its subdirectories are (and, recursive,
  // theirs, stopping at job directories).
  void collect(const std::string& dir, int depth, double now, std::vector<std::string>& out,
               std::vector<Warning>& warnings, bool is_target) {
    if (is_target && (jobs.count(dir) != 0 || is_job_dir(dir))) {
      out.push_back(dir);
      return;
    }
    if (options.recursive && !enter(dir)) return;
    const auto* entries = list_cached(dir, now);
    if (entries != nullptr) {
      for (const DirEntry& entry : *entries) {
        if (entry.type != EntryType::directory || entry.name.starts_with('.')) continue;
        const std::string child = storage->join(dir, entry.name);
        const bool descend = options.recursive && depth + 1 < options.max_depth && jobs.count(child) == 0 &&
                             !is_job_dir(child);
        if (descend) collect(child, depth + 1, now, out, warnings, false);
        else out.push_back(child);
      }
    } else {
      warnings.push_back({dir, "cannot list directory"});
    }
    if (options.recursive) descending.pop_back();
  }

  // Enters dir unless the recursion is already inside it (a symlink back to
  // an ancestor): one identity per directory walked.
  bool enter(const std::string& dir) {
    std::string identity = storage->directory_identity(dir);
    if (std::find(descending.begin(), descending.end(), identity) != descending.end()) return false;
    descending.push_back(std::move(identity));
    return true;
  }

  void collect_glob(const std::string& pattern, double now, std::vector<std::string>& out,
                    std::vector<Warning>& warnings) {
    // Re-expanded every scan (new job dirs appear), through the listing
    // cache: an unchanged parent directory is not listed again.
    const std::vector<std::string> dirs = expand_glob(*storage, pattern, [&](const std::string& dir) {
      const auto* entries = list_cached(dir, now);
      if (entries == nullptr) throw StorageError(dir, "cannot list directory");
      return *entries;
    });
    if (dirs.empty()) warnings.push_back({pattern, "pattern matched no directory"});
    for (const auto& d : dirs) collect(d, 0, now, out, warnings, true);
  }

  void collect_path(const std::string& target, double now, std::vector<std::string>& out,
                    std::vector<Warning>& warnings) {
    const FileStat st = storage->stat(target);
    if (st.type == EntryType::missing) {
      warnings.push_back({target, "no such file or directory"});
    } else if (st.type != EntryType::directory) {
      warnings.push_back({target, "not a directory"});
    } else {
      collect(target, 0, now, out, warnings, true);
    }
  }

  // Targets (paths or globs) -> candidate directories, sorted and distinct.
  std::vector<std::string> collect_targets(const std::vector<std::string>& targets, double now,
                                           std::vector<Warning>& warnings) {
    descending.clear();  // a walk an exception cut short must not leave its path behind
    std::vector<std::string> candidates;
    for (const std::string& raw_target : targets) {
      std::string target = raw_target;
      while (target.size() > 1 && target.back() == '/') target.pop_back();
      if (has_glob_chars(target)) collect_glob(target, now, candidates, warnings);
      else collect_path(target, now, candidates, warnings);
    }
    if (!std::is_sorted(candidates.begin(), candidates.end())) std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
    return candidates;
  }

  // Complete jobs are never re-read: answer them here, without threads or
  // locks, so a refresh of a mostly finished tree costs a hash lookup each.
  // Returns the candidates left to check.
  std::vector<std::size_t> answer_complete_jobs(const std::vector<std::string>& candidates,
                                                std::vector<std::shared_ptr<const JobState>>& found, ScanTally& tally) {
    std::vector<std::size_t> to_check;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const auto it = jobs.find(candidates[i]);
      if (it != jobs.end() && it->second.job->complete()) {
        found[i] = it->second.job;
        tally.from_cache.fetch_add(1, std::memory_order_relaxed);
      } else {
        to_check.push_back(i);
      }
    }
    return to_check;
  }

  // A cached job whose completions/ did not change, its task logs re-read
  // when due; null when the job must be read again.
  std::shared_ptr<const JobState> reuse_cached_job(const std::string& path, CachedJob cached, double now,
                                                   ScanTally& tally) {
    if (cached.job->complete()) {  // complete jobs are never re-read
      tally.from_cache.fetch_add(1);
      return cached.job;
    }
    const FileStat st = storage->stat(storage->join(path, "completions"));
    const double mtime = st.type == EntryType::directory ? st.mtime : -1;
    if (mtime != cached.completions_mtime || !settled(mtime, cached.listed_at)) return nullptr;
    if (now - cached.logs_read_at >= options.log_refresh_seconds) {
      auto refreshed = std::make_shared<JobState>(*cached.job);
      tally.logs_read.fetch_add(detail::diagnose_incomplete_ranks(*storage, *refreshed, options));
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
  void read_and_cache(const std::string& path, double now, ScanTally& tally, std::shared_ptr<const JobState>& found,
                      std::vector<Warning>& warnings) {
    const FileStat completions_before = storage->stat(storage->join(path, "completions"));
    detail::JobReadResult read = detail::read_job_dir(*storage, path, options);
    tally.completions_listed.fetch_add(read.listings);
    tally.logs_read.fetch_add(read.logs_read);
    warnings = std::move(read.warnings);
    std::lock_guard lock(mutex);
    if (read.job) {
      CachedJob entry;
      entry.completions_mtime = completions_before.type == EntryType::directory ? completions_before.mtime : -1;
      entry.listed_at = now;
      entry.logs_read_at = now;
      entry.job = read.job;
      jobs[path] = entry;
      non_jobs.erase(path);
      found = std::move(read.job);
    } else {
      const FileStat st = storage->stat(path);
      // Only a settled mtime is a safe key: a fresh dir may still be getting its executor.json.
      if (st.type == EntryType::directory && settled(st.mtime, now)) non_jobs[path] = st.mtime;
    }
  }

  // One candidate, on a worker thread: from the cache while it stands, else read.
  void refresh(const std::string& path, double now, ScanTally& tally, std::shared_ptr<const JobState>& found,
               std::vector<Warning>& warnings) {
    CachedJob cached;
    bool have_cached = false;
    double non_job_mtime = -1;
    {
      std::lock_guard lock(mutex);
      if (auto it = jobs.find(path); it != jobs.end()) {
        cached = it->second;
        have_cached = true;
      } else if (auto nj = non_jobs.find(path); nj != non_jobs.end()) {
        non_job_mtime = nj->second;
      }
    }
    if (have_cached) {
      if (auto job = reuse_cached_job(path, std::move(cached), now, tally)) {
        found = std::move(job);
        return;
      }
    } else if (non_job_mtime >= 0 && still_not_a_job(path, non_job_mtime)) {
      warnings.push_back({path, "not a job: no executor.json"});
      return;
    }
    read_and_cache(path, now, tally, found, warnings);
  }

  // Jobs, non-job dirs and listings that no target reaches any more stop
  // being cached (a long-running server watching dated dirs must not grow).
  void prune(const std::vector<std::string>& candidates) {
    if (jobs.size() + non_jobs.size() > candidates.size() * 2 + 1024) {
      std::set<std::string> live(candidates.begin(), candidates.end());
      std::erase_if(jobs, [&](const auto& kv) { return live.count(kv.first) == 0; });
      std::erase_if(non_jobs, [&](const auto& kv) { return live.count(kv.first) == 0; });
    }
    if (listings.size() > 1024) {
      std::erase_if(listings, [&](const auto& kv) { return kv.second.used != generation; });
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
  impl_->listings.clear();
}

ScanResult Scanner::scan(const std::vector<std::string>& targets) {
  Impl& s = *impl_;
  const auto started = std::chrono::steady_clock::now();
  const double now = wall_clock_now();
  ScanResult result;
  if (!s.storage) s.use_storage(storage_for_targets(targets));
  s.listings_done = 0;
  ++s.generation;

  const std::vector<std::string> candidates = s.collect_targets(targets, now, result.warnings);
  std::vector<std::shared_ptr<const JobState>> found(candidates.size());
  std::vector<std::vector<Warning>> warnings(candidates.size());
  ScanTally tally;
  const std::vector<std::size_t> to_check = s.answer_complete_jobs(candidates, found, tally);
  detail::parallel_for(to_check.size(), s.threads, [&](std::size_t k) {
    const std::size_t i = to_check[k];
    s.refresh(candidates[i], now, tally, found[i], warnings[i]);
  });

  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (found[i]) result.jobs.push_back(std::move(found[i]));
    for (auto& w : warnings[i]) result.warnings.push_back(std::move(w));
  }
  s.prune(candidates);
  result.stats.candidates = candidates.size();
  result.stats.jobs = result.jobs.size();
  result.stats.completions_listed = tally.completions_listed.load();
  result.stats.directory_listings = tally.completions_listed.load() + s.listings_done;
  result.stats.jobs_from_cache = tally.from_cache.load();
  result.stats.logs_read = tally.logs_read.load();
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace jobmon
