#include "jobmon/server/host_resources.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <deque>
#include <mutex>
#include <set>
#include <sstream>

#include "core/json_values.hpp"
#include "core/system/read_file.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "server/host/nvml_loader.hpp"
#include "server/host/proc_parsers.hpp"

namespace jobmon {
namespace json = boost::json;
using detail::CpuTimes;
using detail::number_or_null;
namespace {

std::string slurp(const std::string& path) { return detail::read_whole_file(path).value_or(std::string()); }

}  // namespace

struct HostResources::Impl {
  std::vector<std::string> disk_paths;
  std::string proc;
  std::mutex mutex;
  std::optional<CpuTimes> last_cpu;
  double last_cpu_time = 0;
  std::optional<std::pair<double, std::pair<std::uint64_t, std::uint64_t>>> last_net;
  detail::NvmlLoader nvml;
  HostHistoryOptions history_options;
  std::deque<HostHistoryPoint> history;

  void keep(const HostSample& s) {
    if (!history.empty() && s.time - history.back().time < history_options.spacing_seconds && s.time >= history.back().time)
      return;
    HostHistoryPoint p;
    p.time = s.time;
    p.cpu_percent = s.cpu_percent;
    p.memory_total_bytes = s.memory_total_bytes;
    p.memory_used_bytes = s.memory_total_bytes - std::min(s.memory_total_bytes, s.memory_available_bytes);
    p.net_rx_per_second = s.net_rx_per_second;
    p.net_tx_per_second = s.net_tx_per_second;
    double sum = 0;
    int n = 0;
    for (const auto& g : s.gpus) {
      if (g.utilization_percent) sum += *g.utilization_percent, ++n;
    }
    if (n > 0) p.gpu_utilization_percent = sum / n;
    history.push_back(p);
    while (history.size() > std::max<std::size_t>(1, history_options.capacity)) history.pop_front();
  }
};

HostResources::HostResources(std::vector<std::string> disk_paths, std::string proc_root) : impl_(std::make_unique<Impl>()) {
  impl_->disk_paths = std::move(disk_paths);
  impl_->proc = std::move(proc_root);
}

HostResources::~HostResources() = default;

HostSample HostResources::sample(double now) {
  std::lock_guard lock(impl_->mutex);
  HostSample s;
  s.time = now;
  s.cpu_count = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  if (auto cpu = detail::parse_proc_stat(slurp(impl_->proc + "/stat"))) {
    const auto& last = impl_->last_cpu;
    if (last && cpu->total > last->total && cpu->busy >= last->busy) {
      s.cpu_percent = std::min(100.0, 100.0 * static_cast<double>(cpu->busy - last->busy) /
                                          static_cast<double>(cpu->total - last->total));
    }
    // As for the network: a baseline at most once a second, whatever the number of clients.
    if (!last || now - impl_->last_cpu_time >= 1.0 || cpu->busy < last->busy) {
      impl_->last_cpu = cpu;
      impl_->last_cpu_time = now;
    }
  }
  std::istringstream load(slurp(impl_->proc + "/loadavg"));
  load >> s.load1 >> s.load5 >> s.load15;
  detail::parse_meminfo(slurp(impl_->proc + "/meminfo"), s.memory_total_bytes, s.memory_available_bytes);
  std::set<unsigned long> seen_fs;
  for (const auto& path : impl_->disk_paths) {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0 || !seen_fs.insert(st.f_fsid).second) continue;
    s.disks.push_back({path, static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize,
                       static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize});
  }
  if (detail::parse_net_dev(slurp(impl_->proc + "/net/dev"), s.net_rx_bytes, s.net_tx_bytes)) {
    const auto& last = impl_->last_net;
    // Counters go down when an interface disappears: no rate then, never a wrapped one.
    const bool monotonic = last && s.net_rx_bytes >= last->second.first && s.net_tx_bytes >= last->second.second;
    if (monotonic && now > last->first) {
      const double dt = now - last->first;
      s.net_rx_per_second = static_cast<double>(s.net_rx_bytes - last->second.first) / dt;
      s.net_tx_per_second = static_cast<double>(s.net_tx_bytes - last->second.second) / dt;
    }
    // Many clients poll: the baseline moves at most once a second, so rates are over real windows.
    if (!last || !monotonic || now - last->first >= 1.0) impl_->last_net = {now, {s.net_rx_bytes, s.net_tx_bytes}};
  }
  if (impl_->nvml.available()) {
    s.gpu_source = "nvml";
    s.gpus = impl_->nvml.sample();
  }
  impl_->keep(s);
  return s;
}

std::vector<HostHistoryPoint> HostResources::history() const {
  std::lock_guard lock(impl_->mutex);
  return {impl_->history.begin(), impl_->history.end()};
}

void HostResources::set_history_options(HostHistoryOptions options) {
  std::lock_guard lock(impl_->mutex);
  impl_->history_options = options;
}

json::value to_json(const HostSample& s) {
  json::array disks;
  for (const auto& d : s.disks)
    disks.push_back(json::object{{"path", d.path}, {"total_bytes", d.total_bytes}, {"available_bytes", d.available_bytes}});
  json::array gpus;
  for (const auto& g : s.gpus) {
    json::object o{{"index", g.index}, {"name", g.name}, {"utilization_percent", number_or_null(g.utilization_percent)}};
    o["memory_used_bytes"] = g.memory_used_bytes ? json::value(*g.memory_used_bytes) : json::value(nullptr);
    o["memory_total_bytes"] = g.memory_total_bytes ? json::value(*g.memory_total_bytes) : json::value(nullptr);
    o["temperature_c"] = number_or_null(g.temperature_c);
    gpus.push_back(std::move(o));
  }
  json::object o;
  o["time"] = format_iso8601(s.time);
  o["cpu_percent"] = number_or_null(s.cpu_percent);
  o["cpu_count"] = s.cpu_count;
  o["load"] = json::array{s.load1, s.load5, s.load15};
  o["memory_total_bytes"] = s.memory_total_bytes;
  o["memory_available_bytes"] = s.memory_available_bytes;
  o["disks"] = std::move(disks);
  o["net_rx_bytes"] = s.net_rx_bytes;
  o["net_tx_bytes"] = s.net_tx_bytes;
  o["net_rx_per_second"] = number_or_null(s.net_rx_per_second);
  o["net_tx_per_second"] = number_or_null(s.net_tx_per_second);
  o["gpus"] = std::move(gpus);
  o["gpu_source"] = s.gpu_source.empty() ? json::value(nullptr) : json::value(s.gpu_source);
  return o;
}

json::value to_json(const std::vector<HostHistoryPoint>& history) {
  json::array points;
  for (const auto& p : history) {
    json::object o;
    o["time"] = p.time;
    o["cpu_percent"] = number_or_null(p.cpu_percent);
    o["memory_used_bytes"] = p.memory_used_bytes;
    o["memory_total_bytes"] = p.memory_total_bytes;
    o["net_rx_per_second"] = number_or_null(p.net_rx_per_second);
    o["net_tx_per_second"] = number_or_null(p.net_tx_per_second);
    o["gpu_utilization_percent"] = number_or_null(p.gpu_utilization_percent);
    points.push_back(std::move(o));
  }
  return json::object{{"points", std::move(points)}};
}

std::vector<std::string> disk_paths_for(const std::vector<std::string>& targets) {
  std::vector<std::string> disks;
  for (const auto& t : targets) {
    if (!t.starts_with("s3://")) disks.push_back(fixed_prefix(t));
  }
  if (disks.empty()) disks.push_back("/");
  return disks;
}

}  // namespace jobmon
