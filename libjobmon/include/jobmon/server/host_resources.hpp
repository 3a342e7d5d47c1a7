// HostResources: this machine's CPU, memory, disk, network (from /proc and
// statvfs) and GPUs (through NVML, loaded at run time when libnvidia-ml is
// present; absent otherwise, never faked). Rates need two samples, so the
// sampler keeps the previous one.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace jobmon {

struct GpuSample {
  int index = 0;
  std::string name;
  std::optional<double> utilization_percent;
  std::optional<std::uint64_t> memory_used_bytes, memory_total_bytes;
  std::optional<double> temperature_c;
};

struct DiskSample {
  std::string path;
  std::uint64_t total_bytes = 0, available_bytes = 0;
};

struct HostSample {
  double time = 0;
  std::optional<double> cpu_percent;  // busy share since the previous sample
  int cpu_count = 0;
  double load1 = 0, load5 = 0, load15 = 0;
  std::uint64_t memory_total_bytes = 0, memory_available_bytes = 0;
  std::vector<DiskSample> disks;
  std::uint64_t net_rx_bytes = 0, net_tx_bytes = 0;  // all interfaces but lo, since boot
  std::optional<double> net_rx_per_second, net_tx_per_second;
  std::vector<GpuSample> gpus;
  std::string gpu_source;  // "nvml" or "" when no GPU library is present
};

// One point of the resource history: what the page's charts draw.
struct HostHistoryPoint {
  double time = 0;
  std::optional<double> cpu_percent;
  std::uint64_t memory_used_bytes = 0, memory_total_bytes = 0;
  std::optional<double> net_rx_per_second, net_tx_per_second;
  std::optional<double> gpu_utilization_percent;  // mean over the GPUs, when any reports it
};

// How the history is kept: a point at most every `spacing_seconds`, the last `capacity` of them.
struct HostHistoryOptions {
  double spacing_seconds = 5;
  std::size_t capacity = 720;  // an hour at the default spacing
};

class HostResources {
 public:
  // `disk_paths`: whose filesystems to report (e.g. the watched roots).
  explicit HostResources(std::vector<std::string> disk_paths = {"/"}, std::string proc_root = "/proc");
  ~HostResources();
  HostResources(const HostResources&) = delete;
  HostResources& operator=(const HostResources&) = delete;

  // Samples now, and keeps the sample in the history (a ring buffer) when the
  // last kept point is at least the spacing old: clients polling faster add nothing.
  HostSample sample(double now);
  // The kept points, oldest first.
  std::vector<HostHistoryPoint> history() const;
  void set_history_options(HostHistoryOptions options);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

boost::json::value to_json(const HostSample& sample);
// {"points":[{"time": epoch seconds, "cpu_percent", "memory_used_bytes", "memory_total_bytes",
//  "net_rx_per_second", "net_tx_per_second", "gpu_utilization_percent"}...]} (nulls where unknown).
boost::json::value to_json(const std::vector<HostHistoryPoint>& history);

// The paths whose filesystems to report for these targets: the fixed (glob-free)
// prefix of each local one; "/" when every target is remote (s3://).
std::vector<std::string> disk_paths_for(const std::vector<std::string>& targets);

}  // namespace jobmon
