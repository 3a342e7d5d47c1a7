// Cost of one `jobmon-status --watch` refresh (cached scan + aggregate +
// deltas + frame render) on a tree of many job dirs of which few are active.
// Builds the tree under /tmp, adds markers to a varying subset of the active
// jobs before each refresh, and prints the median time per refresh after the
// first, the directory listings per refresh against the number of jobs whose
// completions/ changed (they must be equal), and an uncached scan as baseline.
//
// usage: bench_watch_refresh [jobs=10000] [active=10] [refreshes=30] [scan threads=0 (automatic)]
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "jobmon/cli/watch.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/storage/storage.hpp"

namespace fs = std::filesystem;
using namespace jobmon;

namespace {

using steady = std::chrono::steady_clock;

double ms_since(steady::time_point start) {
  return std::chrono::duration<double, std::milli>(steady::now() - start).count();
}

// CPU time of the whole process (all threads), in ms: unlike wall time it
// does not grow when other processes take the cores.
double cpu_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return 0;
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

void touch(const fs::path& p) { std::ofstream(p).flush(); }

void add_markers(const fs::path& job, int first, int count) {
  for (int r = first; r < first + count; ++r) touch(job / "completions" / fmt::format("{:05d}", r));
}

void make_job(const fs::path& dir, int world_size, int done) {
  fs::create_directories(dir / "completions");
  std::ofstream(dir / "executor.json") << fmt::format("{{\n    \"pipeline\": [],\n    \"world_size\": {}\n}}", world_size);
  add_markers(dir, 0, done);
}

struct Refreshed {
  Aggregate aggregate;
  ScanStats stats;
  std::size_t frame_bytes = 0;
  double scan_ms = 0, aggregate_ms = 0, delta_ms = 0, render_ms = 0;
};

Refreshed refresh(Scanner& scanner, const std::string& root, const Aggregate* previous) {
  Refreshed r;
  auto t = steady::now();
  ScanResult scan = scanner.scan({root});
  r.stats = scan.stats;
  r.scan_ms = ms_since(t);
  t = steady::now();
  r.aggregate = aggregate(scan.jobs, wall_clock_now());
  r.aggregate_ms = ms_since(t);
  t = steady::now();
  AggregateDelta delta;
  if (previous != nullptr) delta = apply_deltas(r.aggregate, *previous);
  r.delta_ms = ms_since(t);
  t = steady::now();
  WatchFrameOptions frame;
  frame.columns = 120;
  frame.rows = 40;
  frame.style = TermStyle{true, true};
  r.frame_bytes = render_watch_frame(r.aggregate, delta, frame).size();
  r.render_ms = ms_since(t);
  return r;
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one.empty() ? "?" : one;
}

}  // namespace

int main(int argc, char** argv) {
  const int jobs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10000;
  const int active = argc > 2 ? std::clamp(std::atoi(argv[2]), 1, jobs) : 10;
  const int refreshes = argc > 3 ? std::max(2, std::atoi(argv[3])) : 30;
  constexpr int active_world = 2000, complete_world = 4;

  std::string templ = (fs::temp_directory_path() / "jobmon-bench-watch-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path root = templ;
  const auto build_start = steady::now();
  std::vector<fs::path> active_dirs;
  for (int i = 0; i < jobs; ++i) {
    const fs::path dir = root / fmt::format("job_{:05d}", i);
    if (i % (jobs / active) == 0 && static_cast<int>(active_dirs.size()) < active) {
      make_job(dir, active_world, 100);
      active_dirs.push_back(dir);
    } else {
      make_job(dir, complete_world, complete_world);
    }
  }
  std::printf("tree: %d job dirs (%d active, world_size %d; the rest complete) under %s, built in %.1f s\n", jobs,
              active, active_world, root.c_str(), ms_since(build_start) / 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the tree's own mtimes settle

  const auto storage = std::make_shared<LocalStorage>();
  ScanOptions scan_options;
  scan_options.threads = argc > 4 ? static_cast<unsigned>(std::max(0, std::atoi(argv[4]))) : 0;
  Scanner scanner(storage, scan_options);
  auto t0 = steady::now();
  Refreshed previous = refresh(scanner, root.string(), nullptr);
  const double first_ms = ms_since(t0);
  std::printf("first refresh (cold cache): %.1f ms, %zu directory listings, %zu jobs\n", first_ms,
              previous.stats.directory_listings, previous.stats.jobs);

  std::vector<double> times, cpu_times, scan_times, aggregate_times, delta_times, render_times;
  std::vector<int> next_rank(active_dirs.size(), 100);
  std::size_t equal = 0, total_listings = 0, total_changed = 0;
  std::printf("%8s %8s %9s %9s %9s %9s\n", "refresh", "ms", "changed", "listings", "fs lists", "cached");
  for (int k = 1; k <= refreshes; ++k) {
    // A varying subset of the active jobs gets 1..5 new markers; some
    // refreshes see none at all.
    std::size_t changed = 0;
    for (std::size_t j = 0; j < active_dirs.size(); ++j) {
      if ((static_cast<std::size_t>(k) + j) % 3 == 0 || k % 7 == 0) continue;
      const int n = 1 + static_cast<int>((static_cast<std::size_t>(k) * 7 + j) % 5);
      if (next_rank[j] + n > active_world) continue;
      add_markers(active_dirs[j], next_rank[j], n);
      next_rank[j] += n;
      ++changed;
    }
    // Markers land between refreshes, not in the same timestamp tick as the
    // listing (a listing within 50 ms of a change is re-done once, on purpose).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto lists_before = storage->counters().lists;
    const double cpu0 = cpu_ms();
    t0 = steady::now();
    Refreshed current = refresh(scanner, root.string(), &previous.aggregate);
    const double ms = ms_since(t0);
    times.push_back(ms);
    cpu_times.push_back(cpu_ms() - cpu0);
    scan_times.push_back(current.scan_ms);
    aggregate_times.push_back(current.aggregate_ms);
    delta_times.push_back(current.delta_ms);
    render_times.push_back(current.render_ms);
    const auto fs_lists = storage->counters().lists - lists_before;
    std::printf("%8d %8.2f %9zu %9zu %9llu %9zu\n", k, ms, changed, current.stats.directory_listings,
                static_cast<unsigned long long>(fs_lists), current.stats.jobs_from_cache);
    if (current.stats.directory_listings == changed) ++equal;
    total_listings += current.stats.directory_listings;
    total_changed += changed;
    previous = std::move(current);
  }

  // Baseline: the same refresh without a cache (a fresh Scanner each time).
  std::vector<double> cold;
  for (int i = 0; i < 3; ++i) {
    Scanner fresh(storage);
    t0 = steady::now();
    refresh(fresh, root.string(), &previous.aggregate);
    cold.push_back(ms_since(t0));
  }

  const double med = median(times);
  std::printf("\nmedian refresh after the first: %.2f ms (target < 20 ms) over %d refreshes; min %.2f, max %.2f\n",
              med, refreshes, *std::min_element(times.begin(), times.end()),
              *std::max_element(times.begin(), times.end()));
  std::printf("  CPU time per refresh (all threads), median: %.2f ms; load average while measuring: %s\n",
              median(cpu_times), load_average().c_str());
  std::printf("  of which (medians): scan %.2f ms, aggregate %.2f ms, deltas %.2f ms, frame render %.2f ms\n",
              median(scan_times), median(aggregate_times), median(delta_times), median(render_times));
  std::printf("directory listings per refresh == jobs whose completions/ changed: %zu of %d refreshes "
              "(total %zu listings, %zu changed)\n",
              equal, refreshes, total_listings, total_changed);
  std::printf("baseline, uncached refresh (median of 3): %.1f ms -> the cache is %.0fx faster\n", median(cold),
              median(cold) / std::max(med, 1e-6));

  std::error_code ec;
  fs::remove_all(root, ec);
  if (ec) std::fprintf(stderr, "warning: could not remove %s: %s\n", root.c_str(), ec.message().c_str());
  return equal == static_cast<std::size_t>(refreshes) ? 0 : 1;
}
