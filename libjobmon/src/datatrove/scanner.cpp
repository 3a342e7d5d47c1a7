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

#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/glob.hpp"

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

bool settled(double mtime, double listed_at) {
  const bool whole_seconds = mtime == std::floor(mtime);
  return listed_at - mtime > (whole_seconds ? coarse_mtime_settle_seconds : fine_mtime_settle_seconds);
}

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <typename Fn>
void parallel_for(std::size_t n, unsigned threads, Fn&& fn) {
  const unsigned workers = static_cast<unsigned>(std::min<std::size_t>(threads, n));
  if (workers <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(workers);
  for (unsigned w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (std::size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
    });
  }
  for (auto& t : pool) t.join();
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
  std::uint64_t generation = 0;  // scans so far
  std::size_t listings_done = 0;

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
    const auto* entries = list_cached(dir, now);
    if (entries == nullptr) {
      warnings.push_back({dir, "cannot list directory"});
      return;
    }
    for (const DirEntry& entry : *entries) {
      if (entry.type != EntryType::directory || entry.name.starts_with('.')) continue;
      const std::string child = storage->join(dir, entry.name);
      const bool descend = options.recursive && depth + 1 < options.max_depth && jobs.count(child) == 0 &&
                           !is_job_dir(child);
      if (descend) collect(child, depth + 1, now, out, warnings, false);
      else out.push_back(child);
    }
  }
};

Scanner::Scanner(std::shared_ptr<const Storage> storage, ScanOptions options) : impl_(std::make_unique<Impl>()) {
  if (!storage) throw UsageError("Scanner needs a storage");
  impl_->storage = std::move(storage);
  impl_->options = options;
  // I/O bound: more threads than cores keeps requests in flight on network filesystems.
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  // Object stores (mtimes come with listings) are bound by round trips, not cores.
  const unsigned automatic = impl_->storage->list_includes_mtime() ? 16u : std::min(16u, std::max(4u, 2 * hw));
  impl_->threads = options.threads != 0 ? options.threads : automatic;
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
  s.listings_done = 0;
  ++s.generation;

  std::vector<std::string> candidates;
  for (const std::string& raw_target : targets) {
    std::string target = raw_target;
    while (target.size() > 1 && target.back() == '/') target.pop_back();
    std::vector<std::string> dirs;
    if (has_glob_chars(target)) {
      // Re-expanded every scan (new job dirs appear), through the listing
      // cache: an unchanged parent directory is not listed again.
      dirs = expand_glob(*s.storage, target, [&](const std::string& dir) {
        const auto* entries = s.list_cached(dir, now);
        if (entries == nullptr) throw StorageError(dir, "cannot list directory");
        return *entries;
      });
      if (dirs.empty()) result.warnings.push_back({target, "pattern matched no directory"});
      for (const auto& d : dirs) s.collect(d, 0, now, candidates, result.warnings, true);
      continue;
    }
    const FileStat st = s.storage->stat(target);
    if (st.type == EntryType::missing) {
      result.warnings.push_back({target, "no such file or directory"});
      continue;
    }
    if (st.type != EntryType::directory) {
      result.warnings.push_back({target, "not a directory"});
      continue;
    }
    s.collect(target, 0, now, candidates, result.warnings, true);
  }
  if (!std::is_sorted(candidates.begin(), candidates.end())) std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  result.stats.candidates = candidates.size();

  std::vector<std::shared_ptr<const JobState>> found(candidates.size());
  std::vector<std::vector<Warning>> warnings(candidates.size());
  std::atomic<std::size_t> completions_listed{0}, from_cache{0}, logs_read{0};

  // Complete jobs are never re-read: answer them here, without threads or
  // locks, so a refresh of a mostly finished tree costs a hash lookup each.
  std::vector<std::size_t> to_check;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto it = s.jobs.find(candidates[i]);
    if (it != s.jobs.end() && it->second.job->complete()) {
      found[i] = it->second.job;
      from_cache.fetch_add(1, std::memory_order_relaxed);
    } else {
      to_check.push_back(i);
    }
  }

  parallel_for(to_check.size(), s.threads, [&](std::size_t k) {
    const std::size_t i = to_check[k];
    const std::string& path = candidates[i];
    CachedJob cached;
    bool have_cached = false;
    double non_job_mtime = -1;
    {
      std::lock_guard lock(s.mutex);
      if (auto it = s.jobs.find(path); it != s.jobs.end()) {
        cached = it->second;
        have_cached = true;
      } else if (auto nj = s.non_jobs.find(path); nj != s.non_jobs.end()) {
        non_job_mtime = nj->second;
      }
    }
    if (have_cached) {
      if (cached.job->complete()) {  // complete jobs are never re-read
        found[i] = cached.job;
        from_cache.fetch_add(1);
        return;
      }
      const FileStat st = s.storage->stat(s.storage->join(path, "completions"));
      const double mtime = st.type == EntryType::directory ? st.mtime : -1;
      if (mtime == cached.completions_mtime && settled(mtime, cached.listed_at)) {
        if (now - cached.logs_read_at >= s.options.log_refresh_seconds) {
          auto refreshed = std::make_shared<JobState>(*cached.job);
          logs_read.fetch_add(diagnose_incomplete_ranks(*s.storage, *refreshed, s.options));
          cached.job = refreshed;
          cached.logs_read_at = now;
          std::lock_guard lock(s.mutex);
          s.jobs[path] = cached;
        }
        found[i] = cached.job;
        from_cache.fetch_add(1);
        return;
      }
    } else if (non_job_mtime >= 0) {
      const FileStat st = s.storage->stat(path);
      if (st.type == EntryType::directory && st.mtime == non_job_mtime) {
        warnings[i].push_back({path, "not a job: no executor.json"});
        return;
      }
    }
    const FileStat completions_before = s.storage->stat(s.storage->join(path, "completions"));
    JobReadResult read = read_job_dir(*s.storage, path, s.options);
    completions_listed.fetch_add(read.listings);
    logs_read.fetch_add(read.logs_read);
    warnings[i] = std::move(read.warnings);
    std::lock_guard lock(s.mutex);
    if (read.job) {
      CachedJob entry;
      entry.completions_mtime = completions_before.type == EntryType::directory ? completions_before.mtime : -1;
      entry.listed_at = now;
      entry.logs_read_at = now;
      entry.job = read.job;
      s.jobs[path] = entry;
      s.non_jobs.erase(path);
      found[i] = std::move(read.job);
    } else {
      const FileStat st = s.storage->stat(path);
      // Only a settled mtime is a safe key: a fresh dir may still be getting its executor.json.
      if (st.type == EntryType::directory && settled(st.mtime, now)) s.non_jobs[path] = st.mtime;
    }
  });

  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (found[i]) result.jobs.push_back(std::move(found[i]));
    for (auto& w : warnings[i]) result.warnings.push_back(std::move(w));
  }
  // Jobs, non-job dirs and listings that no target reaches any more stop
  // being cached (a long-running server watching dated dirs must not grow).
  if (s.jobs.size() + s.non_jobs.size() > candidates.size() * 2 + 1024) {
    std::set<std::string> live(candidates.begin(), candidates.end());
    std::erase_if(s.jobs, [&](const auto& kv) { return live.count(kv.first) == 0; });
    std::erase_if(s.non_jobs, [&](const auto& kv) { return live.count(kv.first) == 0; });
  }
  if (s.listings.size() > 1024) {
    std::erase_if(s.listings, [&](const auto& kv) { return kv.second.used != s.generation; });
  }
  result.stats.jobs = result.jobs.size();
  result.stats.completions_listed = completions_listed.load();
  result.stats.directory_listings = completions_listed.load() + s.listings_done;
  result.stats.jobs_from_cache = from_cache.load();
  result.stats.logs_read = logs_read.load();
  result.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace jobmon
