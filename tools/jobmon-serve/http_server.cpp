#include "http_server.hpp"

#include <httplib.h>

#include <boost/json.hpp>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <fmt/format.h>
#include <iostream>
#include <thread>

#include "jobmon/cli/exit_code.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/json.hpp"
#include "jobmon/server/web_api.hpp"
#include "jobmon/storage/storage_factory.hpp"

namespace jobmon::serve {
namespace {


std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) {
  // Only async-signal-safe work here: a flag that the watcher thread acts on.
  g_stop_requested = true;
}

HttpRequest to_request(const httplib::Request& req) {
  HttpRequest r;
  r.method = req.method;
  r.path = req.path;
  for (const auto& [k, v] : req.params) r.query.emplace(k, v);
  r.authorization = req.get_header_value("Authorization");
  r.host = req.get_header_value("Host");
  return r;
}

void send(const HttpResponse& from, httplib::Response& to) {
  to.status = from.status;
  for (const auto& [k, v] : from.headers) to.set_header(k, v);
  to.set_content(from.body, from.content_type);
}

}  // namespace

std::string read_token_file(const std::string& path) {
  LocalStorage storage;
  std::string text = storage.read(path, 64 * 1024);
  const auto end = text.find_first_of("\r\n");
  if (end != std::string::npos) text.resize(end);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.erase(0, 1);
  if (text.empty()) throw std::runtime_error(path + ": the token file is empty");
  return text;
}

int run_server(const ServeOptions& options) {
  auto storage = storage_for_targets(options.targets);  // s3:// URLs or local paths
  RegistryOptions registry_options;
  registry_options.scan.threads = options.threads;
  registry_options.scan.marker_times = MarkerTimes::all;  // complete jobs get their completion curve too
  JobRegistry registry(storage, options.targets, registry_options);
  std::vector<std::string> disks;  // the local filesystems the roots live on
  for (const auto& t : options.targets) {
    if (!t.starts_with("s3://")) disks.push_back(fixed_prefix(t));
  }
  if (disks.empty()) disks.push_back("/");
  HostResources resources(disks);
  WebApiOptions api_options;
  api_options.token = options.token;
  WebApi api(registry, resources, api_options);

  try {
    registry.refresh(wall_clock_now());
  } catch (const std::exception& e) {
    std::cerr << "jobmon-serve: first refresh failed (will retry): " << e.what() << '\n';
  }
  resources.sample(wall_clock_now());  // first sample, so rates exist on the first request

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_payload_max_length(64 * 1024);  // a read-only API takes no bodies
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  // A busy dashboard keeps its connections: closing them makes every client reconnect at once.
  server.set_keep_alive_max_count(100000);
  // Debian's compiled cpp-httplib listens with a backlog of 5, so a burst of new
  // connections loses SYNs and waits a second for their retransmission. Keep the
  // socket to listen() on it again with a real backlog once it is bound.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = static_cast<int>(sock);
  });
  // Small answers on kept-alive connections would otherwise wait for delayed ACKs (~40 ms).
  server.set_tcp_nodelay(true);

  std::atomic<std::size_t> stream_clients{0};
  std::atomic<bool> stopping{false};

  server.Get("/api/stream", [&](const httplib::Request& req, httplib::Response& res) {
    const HttpRequest request = to_request(req);
    if (!api.authorized(request)) {
      send(api.handle(request), res);  // the same 401 as every other route
      return;
    }
    if (stream_clients.fetch_add(1) >= options.max_stream_clients) {
      --stream_clients;
      res.status = 503;
      res.set_content(R"({"error":"too many event streams","status":503})", "application/json");
      return;
    }
    res.set_header("Cache-Control", "no-store");
    auto seen = std::make_shared<std::uint64_t>(registry.version());
    res.set_chunked_content_provider(
        "text/event-stream",
        [&registry, seen](std::size_t, httplib::DataSink& sink) {
          if (registry.closed()) return false;
          const auto [now_version, recent] = registry.wait_for_changes(*seen, 15);
          std::string event;
          if (now_version != *seen) {
            *seen = now_version;
            boost::json::array changes;
            for (const auto& c : recent)
              changes.push_back(boost::json::object{{"id", c.id}, {"status", c.status}, {"completed", c.completed}});
            event = fmt::format("event: change\nid: {}\ndata: {}\n\n", now_version,
                                to_compact_json(boost::json::object{{"version", now_version}, {"changes", changes}}));
          } else {
            event = ": keep-alive\n\n";  // comment line: keeps proxies from closing an idle stream
          }
          return sink.write(event.data(), event.size());
        },
        [&stream_clients](bool) { --stream_clients; });
  });
  auto handle = [&](const httplib::Request& req, httplib::Response& res) { send(api.handle(to_request(req)), res); };
  server.Get(".*", handle);
  // Other methods get the API's 405 rather than httplib's default page.
  server.Post(".*", handle);
  server.Put(".*", handle);
  server.Delete(".*", handle);
  server.Patch(".*", handle);

  int port = options.port;
  if (port == 0) {
    port = server.bind_to_any_port(options.bind);
  } else if (!server.bind_to_port(options.bind, port)) {
    port = -1;
  }
  if (port < 0) {
    std::cerr << "jobmon-serve: cannot listen on " << options.bind << ":" << options.port << '\n';
    return static_cast<int>(ExitCode::runtime_error);
  }
  if (listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  std::cerr << fmt::format("jobmon-serve: listening on http://{}:{}/ ({} jobs)\n", options.bind, port,
                           registry.entries().size());

  std::thread refresher([&] {
    // Refreshing is background work: requests come first when the CPU is short.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
    while (!stopping.load()) {
      for (int i = 0; i < static_cast<int>(options.interval_seconds * 10) && !stopping.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (stopping.load()) break;
      try {
        registry.refresh(wall_clock_now());
      } catch (const std::exception& e) {
        std::cerr << "jobmon-serve: refresh failed: " << e.what() << '\n';
      }
    }
  });

  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  // Stops the server from a normal thread: event streams are woken first so
  // their handlers return and the thread pool can drain.
  std::thread watcher([&] {
    while (!g_stop_requested.load() && !stopping.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    registry.close();
    server.stop();
  });
  server.listen_after_bind();
  stopping = true;
  registry.close();
  watcher.join();
  refresher.join();
  std::cerr << "jobmon-serve: stopped\n";
  return static_cast<int>(ExitCode::ok);
}

}  // namespace jobmon::serve
