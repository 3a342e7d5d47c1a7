// HttpServer: jobmon-serve's HTTP/1.1 transport, event-driven, so a connection
// costs no thread and slow or hostile clients cannot lock the server out: a
// few I/O threads (Boost.Asio) read and write every connection, a small pool
// runs the WebApi handlers. Every limit below is enforced while reading, and every
// wait has a deadline. /api/stream (Server-Sent Events) is served here from
// EventStream without holding a thread either.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "jobmon/server/job_registry.hpp"
#include "jobmon/server/web_api.hpp"

namespace jobmon {

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  int port = 8787;            // 0 = any free port (listen() returns it)
  int listen_backlog = 4096;  // a burst of new connections must not lose SYNs
  // A connection with no request byte for this long is closed: new connections
  // and kept-alive ones between requests.
  double idle_timeout_seconds = 5;
  // The request line and every header must have arrived this long after the
  // request's first byte, in total (not per byte: a slowloris trickle is cut).
  double header_timeout_seconds = 10;
  // One response (or one event frame) must be written out within this; a
  // client that never reads is dropped.
  double write_timeout_seconds = 10;
  // Request line plus headers, in bytes; more is answered 431 and closed
  // without buffering it.
  std::size_t max_header_bytes = 16 * 1024;
  std::size_t max_header_fields = 100;  // more header lines: 431
  // Connections open at once, overall and per client address; over a cap a
  // connection gets a fixed 503 and is closed at once. The overall cap is
  // lowered to what RLIMIT_NOFILE allows.
  std::size_t max_connections = 8192;
  std::size_t max_connections_per_address = 256;
  // /api/stream clients at once; more get 503 with Retry-After.
  std::size_t max_stream_clients = 32;
  int stream_retry_after_seconds = 10;
  double stream_keep_alive_seconds = 15;  // a comment frame after this much quiet
  double stream_poll_seconds = 0.25;      // how often the registry's version is checked
  // Threads running the event loop (reading, parsing, writing; each connection
  // on one strand): the kernel's copies of large answers then use more than one core.
  unsigned io_threads = 2;
  // Threads running WebApi::handle (/api/jobs on 10,000 jobs, /logs reading
  // files), so a slow handler never stalls the I/O thread; 0 runs them on it.
  unsigned handler_threads = 2;
};

class HttpServer {
 public:
  HttpServer(WebApi& api, JobRegistry& registry, HttpServerOptions options = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (SO_REUSEADDR, the options' backlog); returns the port,
  // the one picked for port 0. Throws std::runtime_error when it cannot.
  int listen();
  // Serves on the calling thread until stop().
  void run();
  // Callable from any thread (not from a signal handler): closes the listener
  // and every connection, whatever the clients do; run() returns soon after.
  void stop();
  // Connections open now, /api/stream clients among them (for tests and logs).
  std::size_t connections() const;
  std::size_t stream_clients() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jobmon
