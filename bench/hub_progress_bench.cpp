// Benchmark: HubProgress::count() over a repo served by tests/support/fake_hub.py
// (bench/hub_progress.sh sets it up). A first count reads every footer, once
// one at a time (the baseline) and once with many range reads in flight; a
// second count on the same monitor is served from the footer cache (by oid)
// and should make only the listing requests. With SOURCE: the total counted
// from that dataset's own Parquet footers (its size API answers 404), timed,
// then polls with the source unchanged (their requests are the output's).
// Usage: hub_progress_bench ENDPOINT REPO [MAX_IN_FLIGHT [SOURCE]]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "jobmon/hub/hub_client.hpp"
#include "jobmon/hub/hub_progress.hpp"

namespace {

using namespace jobmon;

double timed_count(HubClient& client, HubProgress& progress, const char* label) {
  const HubCounters before = client.counters();
  const auto start = std::chrono::steady_clock::now();
  const HubCount count = progress.count();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const HubCounters c = client.counters();
  fmt::print("{:<26} {:>7.2f} s  shards {:>6}  rows {:>10}  skipped {}  footers read {:>6}  HTTP requests {:>6} "
             "(listing pages {}, range reads {}, redirects {}, retries {})\n",
             label, seconds, count.files, count.rows, count.skipped.size(), count.footers_read,
             c.requests - before.requests, c.list_pages - before.list_pages, c.range_reads - before.range_reads,
             c.redirects - before.redirects, c.retries - before.retries);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    fmt::print(stderr, "usage: hub_progress_bench ENDPOINT REPO [MAX_IN_FLIGHT]\n");
    return 2;
  }
  HubConfig config;
  config.endpoint = argv[1];
  config.datasets_server = argv[1];  // the fake Hub answers /size too (404 for the source)
  config.token = "hf_bench_token";
  HubProgressOptions options;
  options.repo = argv[2];
  options.total = 1;

  config.max_in_flight = 1;
  HubClient serial_client(config);
  HubProgress serial(serial_client, options);
  const double baseline = timed_count(serial_client, serial, "first count, 1 in flight");

  config.max_in_flight = argc > 3 ? std::atoi(argv[3]) : 32;
  HubClient client(config);
  HubProgress progress(client, options);
  const std::string label = fmt::format("first count, {} in flight", config.max_in_flight);
  const double first = timed_count(client, progress, label.c_str());
  const double cached = timed_count(client, progress, "second count (cached)");
  fmt::print("speed-up of parallel range reads: {:.1f}x; cached poll: {:.0f}x faster than the first\n", baseline / first,
             first / cached);
  if (argc > 4) {
    HubClient source_client(config);
    HubProgressOptions with_source = options;
    with_source.total.reset();
    with_source.source = argv[4];
    with_source.dry_run = true;  // the card is printed, not committed: the polls read only
    HubProgress monitor(source_client, with_source);
    const HubCounters before = source_client.counters();
    const auto start = std::chrono::steady_clock::now();
    const std::int64_t total = monitor.resolve_total();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const HubCounters c = source_client.counters();
    const HubTotalOrigin& origin = monitor.total_origin();
    fmt::print("source counted once: {:>7.2f} s  total {} from {} ({} files at {})  HTTP requests {} (listing pages {}, "
               "range reads {}, redirects {})\n",
               seconds, total, origin.from, origin.source_files, origin.source_sha.substr(0, 8),
               c.requests - before.requests, c.list_pages - before.list_pages, c.range_reads - before.range_reads,
               c.redirects - before.redirects);
    for (int i = 1; i <= 2; ++i) {
      const HubCounters b = source_client.counters();
      const auto t0 = std::chrono::steady_clock::now();
      const HubPoll poll = monitor.poll(1795348800.0 + 60 * i);
      fmt::print("poll {} (source unchanged): {:>7.2f} s  rows {}/{}  HTTP requests {} (all for {}: revision, listing "
                 "pages {}, card)\n",
                 i, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), poll.count.rows,
                 poll.total, source_client.counters().requests - b.requests, options.repo,
                 source_client.counters().list_pages - b.list_pages);
    }
  }
  return 0;
}
