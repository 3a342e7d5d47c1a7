// bench_training_refresh: TrainingScanner over RUNS Hugging Face Trainer
// output dirs (runs/<date>_<host>/ event file of STEPS logged steps, a
// checkpoint with its trainer_state.json), scanned once, then refreshed:
// with nothing changed, and with one run's event file grown by a few logged
// steps. A refresh must read only the appended bytes. Prints the first scan,
// the refresh medians (wall and CPU), bytes and files read per refresh, and
// the storage calls.
// Usage: bench_training_refresh [DIR] [RUNS=100] [STEPS=2000] [REPEATS=9]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>
#include <string>
#include <vector>

#include "training/events/event_records.hpp"
#include "jobmon/storage/storage.hpp"
#include "jobmon/training/training_scanner.hpp"

namespace {

using namespace jobmon;
namespace fs = std::filesystem;

constexpr std::string_view tags[] = {"train/loss", "train/learning_rate", "train/grad_norm", "train/epoch"};

void append(const fs::path& path, const std::string& bytes) {
  std::FILE* out = std::fopen(path.c_str(), "ab");
  if (out == nullptr) throw std::runtime_error("cannot write " + path.string());
  std::fwrite(bytes.data(), 1, bytes.size(), out);
  std::fclose(out);
}

std::string logged_steps(int first, int last, double t0) {
  std::string bytes;
  for (int s = first; s <= last; ++s) {
    for (std::string_view tag : tags) bytes += detail::scalar_event_record(s, t0 + s, tag, 1.0f / static_cast<float>(s));
  }
  return bytes;
}

// A trainer_state.json of a checkpoint at `step` with one log entry per 10 steps.
std::string trainer_state(int step, int max_steps) {
  std::string log;
  for (int s = 10; s <= step; s += 10) {
    log += fmt::format("{}{{\"epoch\": {:.4f}, \"grad_norm\": 1.5, \"learning_rate\": 5e-05, \"loss\": {:.4f}, \"step\": {}}}",
                       log.empty() ? "" : ",\n    ", s / 1000.0, 2.0 / s, s);
  }
  return fmt::format("{{\n  \"epoch\": {:.4f},\n  \"global_step\": {},\n  \"log_history\": [\n    {}\n  ],\n"
                     "  \"logging_steps\": 10,\n  \"max_steps\": {},\n  \"num_train_epochs\": 3,\n  \"save_steps\": 500\n}}\n",
                     step / 1000.0, step, log, max_steps);
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path base = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path();
  const int runs = argc > 2 ? std::atoi(argv[2]) : 100;
  const int steps = argc > 3 ? std::atoi(argv[3]) : 2000;
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 9;
  const fs::path root = base / "jobmon_bench_training_refresh";
  fs::remove_all(root);
  const double t0 = 1.7e9;
  for (int r = 0; r < runs; ++r) {
    const fs::path run = root / fmt::format("run_{:03d}", r);
    fs::create_directories(run / "runs" / "Dec07_00-00-00_host");
    fs::create_directories(run / "checkpoint-500");
    append(run / "runs" / "Dec07_00-00-00_host" / "events.out.tfevents.1700000000.host.1.0",
           detail::version_event_record(t0) + logged_steps(1, steps, t0));
    append(run / "checkpoint-500" / "trainer_state.json", trainer_state(500, steps * 2));
  }
  const double now = t0 + steps + 1;  // every run is live: judged again each refresh

  auto storage = std::make_shared<LocalStorage>();
  TrainingScanner scanner(storage);
  auto start = std::chrono::steady_clock::now();
  const TrainingScanResult first = scanner.scan({root.string()}, now);
  const double first_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("runs: {} (each {} logged steps, {} scalars), first scan: {} bytes in {} files, {:.1f} ms\n", first.runs.size(),
             steps, steps * 4, first.stats.bytes_read, first.stats.files_read, first_seconds * 1e3);

  auto timed_refresh = [&](const char* label, auto&& before) {
    std::vector<double> wall, cpu;
    std::uint64_t bytes = 0, files = 0, changed = 0, expected = 0;
    Storage::Counters calls{};
    for (int i = 0; i < repeats; ++i) {
      expected = before(i);
      const auto c0 = storage->counters();
      const double cpu0 = cpu_seconds();
      const auto w0 = std::chrono::steady_clock::now();
      const TrainingScanResult result = scanner.scan({root.string()}, now + i);
      wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count());
      cpu.push_back(cpu_seconds() - cpu0);
      const auto c1 = storage->counters();
      calls = {c1.lists - c0.lists, c1.stats - c0.stats, c1.reads - c0.reads};
      bytes = result.stats.bytes_read;
      files = result.stats.files_read;
      changed = result.stats.runs_changed;
    }
    fmt::print("refresh, {}: median {:.2f} ms wall, {:.2f} ms CPU; read {} bytes in {} files ({} run(s) changed; "
               "appended {} bytes){}; calls: {} lists, {} stats, {} reads\n",
               label, median(wall) * 1e3, median(cpu) * 1e3, bytes, files, changed, expected,
               bytes == expected ? "" : "  <-- NOT only the appended bytes", calls.lists, calls.stats, calls.reads);
  };
  timed_refresh("nothing changed", [](int) { return std::uint64_t{0}; });
  int next_step = steps + 1;
  timed_refresh("one run grew by 10 logged steps", [&](int) {
    const std::string bytes = logged_steps(next_step, next_step + 9, t0);
    next_step += 10;
    append(root / "run_042" / "runs" / "Dec07_00-00-00_host" / "events.out.tfevents.1700000000.host.1.0", bytes);
    return static_cast<std::uint64_t>(bytes.size());
  });
  fs::remove_all(root);
  return 0;
}
