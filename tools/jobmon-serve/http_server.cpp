#include "http_server.hpp"

#include <httplib.h>

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
#include "jobmon/server/server.hpp"

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

RegistryOptions registry_options_for(const ServeOptions& options) {
  RegistryOptions registry_options;
  registry_options.scan.threads = options.threads;
  registry_options.scan.marker_times = MarkerTimes::all;  // complete jobs get their completion curve too
  return registry_options;
}

WebApiOptions api_options_for(const ServeOptions& options) {
  WebApiOptions api_options;
  api_options.token = options.token;
  return api_options;
}

// One jobmon-serve instance: the library's registry and API behind cpp-httplib,
// a background refresh thread, and a watcher that stops it all on a signal.
class Server {
 public:
  explicit Server(const ServeOptions& options)
      : options_(options),
        registry_(nullptr, options.targets, registry_options_for(options)),  // storage from the targets
        resources_(disk_paths_for(options.targets)),
        api_(registry_, resources_, api_options_for(options)) {}

  int run() {
    first_refresh();
    configure_transport();
    add_routes();
    const int port = bind();
    if (port < 0) {
      std::cerr << "jobmon-serve: cannot listen on " << options_.bind << ":" << options_.port << '\n';
      return static_cast<int>(ExitCode::runtime_error);
    }
    std::cerr << fmt::format("jobmon-serve: listening on http://{}:{}/ ({} jobs)\n", options_.bind, port,
                             registry_.entries_view()->size());
    std::thread refresher([this] { refresh_loop(); });
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    std::thread watcher([this] { stop_on_signal(); });
    http_.listen_after_bind();
    stopping_ = true;
    registry_.close();
    watcher.join();
    refresher.join();
    std::cerr << "jobmon-serve: stopped\n";
    return static_cast<int>(ExitCode::ok);
  }

 private:
  void first_refresh() {
    try {
      registry_.refresh(wall_clock_now());
    } catch (const std::exception& e) {
      std::cerr << "jobmon-serve: first refresh failed (will retry): " << e.what() << '\n';
    }
    resources_.sample(wall_clock_now());  // first sample, so rates exist on the first request
  }

  void configure_transport() {
    http_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    http_.set_payload_max_length(64 * 1024);  // a read-only API takes no bodies
    http_.set_read_timeout(10, 0);
    http_.set_write_timeout(10, 0);
    // A busy dashboard keeps its connections: closing them makes every client reconnect at once.
    http_.set_keep_alive_max_count(100000);
    // Debian's compiled cpp-httplib listens with a backlog of 5, so a burst of new
    // connections loses SYNs and waits a second for their retransmission. Keep the
    // socket to listen() on it again with a real backlog once it is bound.
    http_.set_socket_options([this](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      listen_fd_ = static_cast<int>(sock);
    });
    // Small answers on kept-alive connections would otherwise wait for delayed ACKs (~40 ms).
    http_.set_tcp_nodelay(true);
  }

  void add_routes() {
    http_.Get("/api/stream", [this](const httplib::Request& req, httplib::Response& res) { stream(req, res); });
    auto handle = [this](const httplib::Request& req, httplib::Response& res) { send(api_.handle(to_request(req)), res); };
    http_.Get(".*", handle);
    // Other methods get the API's 405 rather than httplib's default page.
    http_.Post(".*", handle);
    http_.Put(".*", handle);
    http_.Delete(".*", handle);
    http_.Patch(".*", handle);
  }

  // /api/stream: Server-Sent Events, for at most max_stream_clients at a time.
  void stream(const httplib::Request& req, httplib::Response& res) {
    const HttpRequest request = to_request(req);
    if (!api_.authorized(request)) {
      send(api_.handle(request), res);  // the same 401 as every other route
      return;
    }
    if (stream_clients_.fetch_add(1) >= options_.max_stream_clients) {
      --stream_clients_;
      res.status = 503;
      res.set_content(R"({"error":"too many event streams","status":503})", "application/json");
      return;
    }
    res.set_header("Cache-Control", "no-store");
    auto events = std::make_shared<EventStream>(registry_);
    res.set_chunked_content_provider(
        "text/event-stream",
        [events](std::size_t, httplib::DataSink& sink) {
          const auto frame = events->next();
          return frame && sink.write(frame->data(), frame->size());
        },
        [this](bool) { --stream_clients_; });
  }

  // The bound port (options' port, or the one picked for port 0); -1 when binding failed.
  int bind() {
    int port = options_.port;
    if (port == 0) {
      port = http_.bind_to_any_port(options_.bind);
    } else if (!http_.bind_to_port(options_.bind, port)) {
      port = -1;
    }
    if (port >= 0 && listen_fd_ >= 0) ::listen(listen_fd_, SOMAXCONN);
    return port;
  }

  void refresh_loop() {
    // Refreshing is background work: requests come first when the CPU is short.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
    while (!stopping_.load()) {
      for (int i = 0; i < static_cast<int>(options_.interval_seconds * 10) && !stopping_.load(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (stopping_.load()) break;
      try {
        registry_.refresh(wall_clock_now());
      } catch (const std::exception& e) {
        std::cerr << "jobmon-serve: refresh failed: " << e.what() << '\n';
      }
    }
  }

  // Stops the server from a normal thread: event streams are woken first so
  // their handlers return and the thread pool can drain.
  void stop_on_signal() {
    while (!g_stop_requested.load() && !stopping_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    registry_.close();
    http_.stop();
  }

  const ServeOptions& options_;
  JobRegistry registry_;
  HostResources resources_;
  WebApi api_;
  httplib::Server http_;
  int listen_fd_ = -1;
  std::atomic<std::size_t> stream_clients_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace

int run_server(const ServeOptions& options) { return Server(options).run(); }

}  // namespace jobmon::serve
