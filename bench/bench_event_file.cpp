// bench_event_file: EventFileReader on a big TensorBoard event file written
// the way the HF Trainer's SummaryWriter writes one (an Event per scalar:
// train/loss, train/learning_rate, train/grad_norm, train/epoch per logged
// step; a gradient histogram now and then pads the file to its size), read
// through LocalStorage as the run reader will: each scalar looked up in a
// hash map of per-tag counters by its string_view (no allocation).
// Prints bytes, records, scalars, seconds per read (median), MB/s, the raw
// read speed of the same file (a read(2) loop, as `cat FILE > /dev/null`)
// and peak RSS: this process's, and a child's that only reads (so the
// writer's memory does not count). The refresh of many runs where one grew
// is bench_training_refresh.
// Then the run reader's path on a scalar-only file (no histogram padding):
// the same scalars in runs/<dir>/ of an HF output dir, read by
// read_training_run (series, progress, segments), medians of --runs.
// Usage: bench_event_file [DIR] [--bytes N] [--scalars N] [--runs N] [--keep]
//   DIR defaults to $TMPDIR (or /tmp); defaults: 1 GB, 10M scalars, 5 runs.
#include <fmt/format.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "jobmon/storage/storage.hpp"
#include "jobmon/training/event_file.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "training/events/crc32c.hpp"
#include "training/events/protobuf_wire.hpp"
#include "training/events/event_records.hpp"

namespace {

using namespace jobmon;
using namespace jobmon::detail;

constexpr std::string_view trainer_tags[] = {"train/loss", "train/learning_rate", "train/grad_norm", "train/epoch"};

// A HistogramProto (min, max, num, sum, sum_squares, packed bucket_limit and
// bucket) of about `bytes` bytes, as add_histogram writes.
std::string histogram_event(std::int64_t step, double wall_time, std::size_t bytes) {
  const std::size_t buckets = std::max<std::size_t>(1, bytes / 16);
  std::string limits, counts, histo, v, summary, event;
  for (std::size_t i = 0; i < buckets; ++i) {
    const double limit = -1.0 + 2.0 * static_cast<double>(i + 1) / static_cast<double>(buckets);
    const double count = static_cast<double>((i * 7919 + static_cast<std::size_t>(step)) % 1000);
    limits.append(reinterpret_cast<const char*>(&limit), 8);
    counts.append(reinterpret_cast<const char*>(&count), 8);
  }
  put_double_field(histo, 1, -1.0);
  put_double_field(histo, 2, 1.0);
  put_double_field(histo, 3, 1e6);
  put_double_field(histo, 4, 0.5);
  put_double_field(histo, 5, 2.5);
  put_bytes_field(histo, 6, limits);
  put_bytes_field(histo, 7, counts);
  put_bytes_field(v, 1, "grad/histogram");
  put_bytes_field(v, 5, histo);
  put_bytes_field(summary, 1, v);
  put_double_field(event, 1, wall_time);
  put_varint_field(event, 2, static_cast<std::uint64_t>(step));
  put_bytes_field(event, 5, summary);
  return frame_tfrecord(event);
}

struct Written {
  std::uint64_t bytes = 0, records = 0, scalars = 0;
};

Written write_event_file(const std::string& path, std::uint64_t target_bytes, std::uint64_t scalars,
                         bool with_histograms = true) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("cannot write " + path);
  Written w;
  std::string buffer;
  auto emit = [&](const std::string& record) {
    buffer += record;
    w.bytes += record.size();
    ++w.records;
    if (buffer.size() >= (4u << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  };
  const double t0 = 1742826235.9131446;
  emit(version_event_record(t0));
  const std::uint64_t steps = scalars / 4;
  // A histogram every 10 steps fills what the scalars leave of the target:
  // each sized from the bytes still wanted, so the file ends near it.
  const std::uint64_t histograms = steps / 10;
  std::uint64_t scalar_bytes = 0;
  for (std::uint64_t s = 1; s <= steps; ++s) {
    const auto step = static_cast<std::int64_t>(s * 10);
    const double wall = t0 + static_cast<double>(s) * 0.37;
    const float x = static_cast<float>(s) / static_cast<float>(steps);
    const std::uint64_t before = w.bytes;
    emit(scalar_event_record(step, wall, trainer_tags[0], 2.5f - 1.5f * x));
    emit(scalar_event_record(step, wall, trainer_tags[1], 5e-5f * (1 - x)));
    emit(scalar_event_record(step, wall, trainer_tags[2], 1.0f + x));
    emit(scalar_event_record(step, wall, trainer_tags[3], 3.0f * x));
    w.scalars += 4;
    scalar_bytes += w.bytes - before;
    if (!with_histograms || s % 10 != 0) continue;
    const std::uint64_t histograms_left = histograms - s / 10 + 1;
    const std::uint64_t scalar_bytes_left = scalar_bytes / s * (steps - s);
    const std::uint64_t wanted = w.bytes + scalar_bytes_left;
    const std::uint64_t room = target_bytes > wanted ? (target_bytes - wanted) / histograms_left : 0;
    if (room > 128) emit(histogram_event(step, wall, static_cast<std::size_t>(room - 100)));
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  std::fclose(out);
  return w;
}

// What the run reader does per scalar: find the tag's counters by view.
struct TagHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
struct TagCounters {
  std::uint64_t count = 0;
  std::int64_t last_step = 0;
  double last = 0;
};
struct CountingSink : EventSink {
  std::unordered_map<std::string, TagCounters, TagHash, std::equal_to<>> tags;
  std::uint64_t others = 0;
  void on_scalar(const EventScalar& s) override {
    auto it = tags.find(s.tag);
    if (it == tags.end()) it = tags.emplace(std::string(s.tag), TagCounters{}).first;
    ++it->second.count;
    it->second.last_step = s.step;
    it->second.last = s.value;
  }
  void on_other(std::string_view, std::string_view) override { ++others; }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

EventFileStats read_once(const std::string& path, CountingSink& sink) {
  LocalStorage storage;
  EventFileReader reader(path);
  reader.read(storage, sink);
  return reader.stats();
}

std::uint64_t raw_read(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::vector<char> buffer(4u << 20);
  std::uint64_t total = 0;
  for (ssize_t n; (n = ::read(fd, buffer.data(), buffer.size())) > 0;) total += static_cast<std::uint64_t>(n);
  ::close(fd);
  return total;
}

long self_peak_rss_kb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Peak RSS of a child that only reads the file (this program, --read-only).
long reader_child_peak_rss_kb(const std::string& path) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/proc/self/exe", "bench_event_file", "--read-only", path.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  rusage usage{};
  if (pid < 0 || ::wait4(pid, &status, 0, &usage) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string_view(argv[1]) == "--read-only") {
    CountingSink sink;
    return read_once(argv[2], sink).records > 0 ? 0 : 1;
  }
  std::string dir;
  std::uint64_t target_bytes = 1000ull * 1000 * 1000, scalars = 10'000'000;
  int runs = 5;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--bytes" && i + 1 < argc) target_bytes = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--scalars" && i + 1 < argc) scalars = std::strtoull(argv[++i], nullptr, 10);
    else if (arg == "--runs" && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    else if (arg == "--keep") keep = true;
    else if (!arg.empty() && arg[0] != '-') dir = arg;
    else {
      std::fprintf(stderr, "usage: bench_event_file [DIR] [--bytes N] [--scalars N] [--runs N] [--keep]\n");
      return 2;
    }
  }
  if (dir.empty()) dir = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
  const std::string path = dir + "/bench_events.out.tfevents.1742826235.host.1.0";

  auto start = std::chrono::steady_clock::now();
  const Written written = write_event_file(path, target_bytes, scalars);
  fmt::print("wrote {}: {} bytes, {} records, {} scalars in {:.1f} s (crc32c: {})\n", path, written.bytes,
             written.records, written.scalars, seconds_since(start), crc32c_implementation());

  std::vector<double> raw_times, read_times, read_cpu_times;
  EventFileStats stats;
  CountingSink last_sink;
  for (int r = 0; r < runs; ++r) {
    start = std::chrono::steady_clock::now();
    if (raw_read(path) != written.bytes) std::fprintf(stderr, "raw read short\n");
    raw_times.push_back(seconds_since(start));
    CountingSink sink;
    start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    stats = read_once(path, sink);
    read_cpu_times.push_back(cpu_seconds() - cpu_start);
    read_times.push_back(seconds_since(start));
    last_sink = std::move(sink);
  }
  const double mb = static_cast<double>(written.bytes) / 1e6;
  const double raw = median(raw_times), read = median(read_times);
  const bool exact = stats.records == written.records && stats.scalars == written.scalars && stats.crc_failures == 0 &&
                     last_sink.tags.size() == 4 && last_sink.tags["train/loss"].count == written.scalars / 4;
  fmt::print("read: {} bytes, {} records, {} scalars, {} other, {} crc failures{}\n", stats.offset, stats.records,
             stats.scalars, last_sink.others, stats.crc_failures, exact ? "" : "  <-- MISMATCH with what was written");
  const double cpu = median(read_cpu_times);
  fmt::print("EventFileReader: {:.3f} s per read (median of {}), {:.0f} MB/s, {:.1f} M scalars/s; "
             "CPU {:.3f} s per read, {:.0f} MB/s of CPU time\n",
             read, runs, mb / read, static_cast<double>(stats.scalars) / read / 1e6, cpu, mb / cpu);
  fmt::print("raw read(2) loop (cat FILE > /dev/null): {:.3f} s, {:.0f} MB/s; reader/raw = {:.2f}\n", raw, mb / raw,
             raw / read);
  fmt::print("peak RSS: this process {:.1f} MB (writer included); a child that only reads {:.1f} MB\n",
             static_cast<double>(self_peak_rss_kb()) / 1024, static_cast<double>(reader_child_peak_rss_kb(path)) / 1024);
  if (!keep) std::remove(path.c_str());

  // The run reader on a scalar-only file: what TrainingScanner does per run.
  const std::string run_dir = dir + "/bench_training_run";
  const std::string runs_dir = run_dir + "/runs/Mar24_22-23-40_host";
  std::filesystem::create_directories(runs_dir);
  const std::string scalar_path = runs_dir + "/events.out.tfevents.1742826235.host.1.0";
  start = std::chrono::steady_clock::now();
  const Written scalar_only = write_event_file(scalar_path, 0, scalars, false);
  fmt::print("wrote {}: {} bytes, {} scalars (scalar-only) in {:.1f} s\n", scalar_path, scalar_only.bytes,
             scalar_only.scalars, seconds_since(start));
  std::vector<double> run_times;
  bool run_exact = true;
  for (int r = 0; r < runs; ++r) {
    LocalStorage storage;
    start = std::chrono::steady_clock::now();
    const TrainingRun run = read_training_run(storage, run_dir, 1742826235.0 + 1e7);
    run_times.push_back(seconds_since(start));
    const auto loss = run.metrics.find("train/loss");
    run_exact = run_exact && loss != run.metrics.end() && loss->second.count() == scalar_only.scalars / 4;
  }
  const double run_read = median(run_times);
  const double run_mb = static_cast<double>(scalar_only.bytes) / 1e6;
  fmt::print("RunReader (read_training_run), scalar-only: {:.3f} s per read (median of {}), {:.0f} MB/s, "
             "{:.1f} M scalars/s{}\n",
             run_read, runs, run_mb / run_read, static_cast<double>(scalar_only.scalars) / run_read / 1e6,
             run_exact ? "" : "  <-- MISMATCH with what was written");
  if (!keep) std::filesystem::remove_all(run_dir);
  return exact && run_exact ? 0 : 1;
}
