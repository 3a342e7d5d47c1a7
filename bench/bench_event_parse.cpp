// bench_event_parse: the per-line parse, simdjson On-Demand (what the
// SnapshotAnalyzer uses) against Boost.JSON's DOM parser extracting the same
// fields, on the same lines of an events file. Prints MB/s (median of runs)
// and the largest line each had to hold.
// Usage: bench_event_parse EVENTS_FILE [RUNS=3]
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <vector>

#include "jobmon/datajuicer/snapshot_events.hpp"
#include "jobmon/storage/storage.hpp"

namespace json = boost::json;

namespace {

// Calls on_line for every complete line, reading the file in 4 MiB chunks
// (lines that span chunks are joined), as the SnapshotAnalyzer's reader does.
void for_each_line(const jobmon::Storage& storage, const std::string& path,
                   const std::function<void(std::string_view, std::size_t)>& on_line) {
  const std::uint64_t size = storage.stat(path).size;
  std::string carry;
  for (std::uint64_t pos = 0; pos < size;) {
    const std::string chunk = storage.read_range(path, pos, 4u << 20);
    if (chunk.empty()) break;
    pos += chunk.size();
    std::size_t i = 0;
    while (i < chunk.size()) {
      const char* nl = static_cast<const char*>(std::memchr(chunk.data() + i, '\n', chunk.size() - i));
      if (nl == nullptr) {
        carry.append(chunk, i);
        break;
      }
      const std::string_view line(chunk.data() + i, static_cast<std::size_t>(nl - chunk.data()) - i);
      if (carry.empty()) {
        on_line(line, chunk.size() - (i + line.size()));  // bytes readable after the line
      } else {
        carry.append(line);
        on_line(carry, 0);
        carry.clear();
      }
      i += line.size() + 1;
    }
  }
}

std::int64_t boost_int(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

template <class F>
double median_seconds(int runs, F&& f) {
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_event_parse EVENTS_FILE [RUNS]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
  jobmon::LocalStorage storage;
  const double mb = static_cast<double>(storage.stat(path).size) / 1e6;

  std::uint64_t simd_events = 0, simd_checksum = 0;
  jobmon::EventLineParser parser;
  const double simd = median_seconds(runs, [&] {
    simd_events = simd_checksum = 0;
    jobmon::Event e;
    for_each_line(storage, path, [&](std::string_view line, std::size_t readable_after) {
      if (parser.parse(line, e, readable_after) != jobmon::LineIssue::none) return;
      ++simd_events;
      simd_checksum += static_cast<std::uint64_t>(e.partition_id.value_or(0) + e.operation_idx.value_or(0));
    });
  });

  std::uint64_t boost_events = 0, boost_checksum = 0;
  const double boost = median_seconds(runs, [&] {
    boost_events = boost_checksum = 0;
    json::parser p;
    for_each_line(storage, path, [&](std::string_view line, std::size_t) {
      json::monotonic_resource mr;
      p.reset(&mr);
      boost::system::error_code ec;
      p.write(line.data(), line.size(), ec);
      if (ec) return;
      const json::value v = p.release();
      const auto* o = v.if_object();
      if (o == nullptr || !o->contains("event_type")) return;
      ++boost_events;
      const auto* md = o->if_contains("metadata");
      (void)md;
      boost_checksum += static_cast<std::uint64_t>(std::max<std::int64_t>(0, boost_int(*o, "partition_id")) +
                                                   std::max<std::int64_t>(0, boost_int(*o, "operation_idx")));
    });
  });

  fmt::print("file: {} ({:.1f} MB), {} run(s), median\n", path, mb, runs);
  fmt::print("simdjson On-Demand : {:8.1f} MB/s  {:.3f} s  {} events\n", mb / simd, simd, simd_events);
  fmt::print("Boost.JSON DOM     : {:8.1f} MB/s  {:.3f} s  {} events\n", mb / boost, boost, boost_events);
  fmt::print("speed-up           : {:.2f}x{}\n", boost / simd,
             simd_checksum == boost_checksum && simd_events == boost_events ? "" : "  (WARNING: results differ)");
  return 0;
}
