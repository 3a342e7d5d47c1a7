#include "jobmon/server/serve.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/server/host_resources.hpp"
#include "jobmon/server/job_registry.hpp"
#include "jobmon/server/web_api.hpp"
#include "server/ids/job_id_key.hpp"
#include "server/registry_entries.hpp"

namespace jobmon {
namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) {
  // Only async-signal-safe work here: a flag that the watcher thread acts on.
  g_stop_requested = true;
}

RegistryOptions registry_options_for(const ServeOptions& options) {
  RegistryOptions registry_options;
  registry_options.scan.threads = options.threads;
  registry_options.scan.recursive = options.recursive;
  registry_options.scheduler = options.scheduler;
  // Pages and /metrics never wait on Slurm once the first answer is in.
  registry_options.scheduler_options.ask_in_background = true;
  registry_options.scheduler_options.refresh_seconds = options.scheduler_interval;
  registry_options.scan.marker_times = MarkerTimes::all;  // complete jobs get their completion curve too
  return registry_options;
}

WebApiOptions api_options_for(const ServeOptions& options) {
  WebApiOptions api_options;
  api_options.token = options.token;
  api_options.metrics = options.metrics;
  return api_options;
}

// Sets the key job ids are made with (ServeOptions::id_key_file says how);
// false when a named key file cannot be used.
bool choose_id_key(const ServeOptions& options) {
  const std::string path = options.id_key_file.empty() ? detail::default_id_key_file() : options.id_key_file;
  try {
    if (path.empty()) throw std::runtime_error("neither XDG_STATE_HOME nor HOME is set");
    detail::set_job_id_key(detail::load_or_create_key_file(path));
    return true;
  } catch (const std::exception& e) {
    if (!options.id_key_file.empty()) {
      std::cerr << "jobmon-serve: --id-key-file: " << e.what() << '\n';
      return false;
    }
    std::cerr << "jobmon-serve: no id key file (" << e.what()
              << "): job ids are random for this run, links to jobs will not survive a restart\n";
    detail::set_job_id_key(detail::random_sip_key());
    return true;
  }
}

// Every job of the registry, every kind, as the notifier sees it.
std::vector<JobObservation> observations(const std::vector<RegistryEntry>& entries) {
  std::vector<JobObservation> out;
  out.reserve(entries.size());
  for (const RegistryEntry& e : entries) {
    JobObservation o;
    o.key = e.path;
    o.id = e.id;
    o.name = e.name;
    o.kind = to_string(e.kind());
    o.status = e.status;
    o.reason = detail::state_reason_of(e);
    o.done = e.done;
    o.total = e.total;
    o.failed = e.failed;
    out.push_back(std::move(o));
  }
  return out;
}

// One refresh, then what it changed told to the notifier (which delivers on its own thread).
void refresh_once(JobRegistry& registry, Notifier* notifier) {
  const double now = wall_clock_now();
  registry.refresh(now);
  if (notifier != nullptr) notifier->observe(observations(*registry.entries_view()), now);
}

void first_refresh(JobRegistry& registry, HostResources& resources, Notifier* notifier) {
  try {
    refresh_once(registry, notifier);
  } catch (const std::exception& e) {
    std::cerr << "jobmon-serve: first refresh failed (will retry): " << e.what() << '\n';
  }
  resources.sample(wall_clock_now());  // first sample, so rates exist on the first request
  ::malloc_trim(0);                    // what reading every job left behind
}

void refresh_loop(JobRegistry& registry, Notifier* notifier, double interval_seconds,
                  const std::atomic<bool>& stopping, std::atomic<bool>& trim_due) {
  // Refreshing is background work: requests come first when the CPU is short.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
  while (!stopping.load()) {
    for (int i = 0; i < static_cast<int>(interval_seconds * 10) && !stopping.load(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (stopping.load()) break;
    try {
      refresh_once(registry, notifier);
    } catch (const std::exception& e) {
      std::cerr << "jobmon-serve: refresh failed: " << e.what() << '\n';
    }
    trim_due = true;
  }
}

}  // namespace

std::size_t raise_open_files_limit() {
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) != 0) return 0;
  if (files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
    ::getrlimit(RLIMIT_NOFILE, &files);
  }
  return static_cast<std::size_t>(files.rlim_cur);
}

int run_server(const ServeOptions& options) {
  raise_open_files_limit();
  if (!choose_id_key(options)) return 1;  // ExitCode::runtime_error
  JobRegistry registry(nullptr, options.targets, registry_options_for(options));  // storage from the targets
  HostResources resources(disk_paths_for(options.targets));
  WebApi api(registry, resources, api_options_for(options));
  std::unique_ptr<Notifier> notifier;
  if (!options.notify.webhook_url.empty() || !options.notify.command.empty())
    notifier = std::make_unique<Notifier>(options.notify);
  first_refresh(registry, resources, notifier.get());
  HttpServer http(api, registry, options.http);
  int port = 0;
  try {
    port = http.listen();
  } catch (const std::exception& e) {
    std::cerr << "jobmon-serve: " << e.what() << '\n';
    return 1;  // ExitCode::runtime_error
  }
  std::cerr << fmt::format("jobmon-serve: listening on http://{}:{}/ ({} jobs)\n", options.http.bind, port,
                           registry.entries_view()->size());
  std::atomic<bool> stopping{false}, trim_due{false};
  std::thread refresher([&] { refresh_loop(registry, notifier.get(), options.interval_seconds, stopping, trim_due); });
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  // Signals only set a flag: this thread turns it into a stop of the server. It
  // also hands the previous job list, freed by a refresh, back to the system
  // (at 10,000 jobs RSS stays near 60 MB instead of 130): here at normal
  // priority, since malloc_trim locks every arena and the refresh thread is niced.
  std::thread watcher([&] {
    while (!g_stop_requested.load() && !stopping.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (trim_due.exchange(false)) ::malloc_trim(0);
    }
    registry.close();
    http.stop();
  });
  http.run();
  stopping = true;
  registry.close();
  watcher.join();
  refresher.join();
  std::cerr << "jobmon-serve: stopped\n";
  return 0;
}

}  // namespace jobmon
