// HttpServer in process, against raw sockets: hostile clients (slow, never
// reading, streaming, oversized, too many) must not lock it out, grow its
// memory, or hold up its stop. Bounds are generous: the machine may be loaded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jobmon/clock.hpp"
#include "jobmon/server/http_server.hpp"
#include "jobmon/server/serve.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A raw TCP client from a chosen loopback source address.
class Client {
 public:
  Client(int port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  // False once the server closed or reset the connection.
  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads until the server closes, `seconds` pass, or `enough` bytes came; what was read.
  std::string read(double seconds, std::size_t enough = SIZE_MAX) {
    std::string out;
    const auto start = Clock::now();
    eof_ = false;
    while (out.size() < enough && since(start) < seconds) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[65536];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  bool eof() const { return eof_; }
  // True when the server has closed the connection (reads and drops what is pending).
  bool closed_by_server() {
    read(0.01);
    return eof_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
};

HttpServerOptions test_options() {
  HttpServerOptions o;
  o.port = 0;
  o.header_timeout_seconds = 2;
  o.idle_timeout_seconds = 2;
  o.write_timeout_seconds = 2;
  return o;
}

struct Server {
  test::TempTree tree;
  std::unique_ptr<JobRegistry> registry;
  HostResources resources;
  std::unique_ptr<WebApi> api;
  std::unique_ptr<HttpServer> http;
  std::thread thread;
  int port = 0;

  explicit Server(HttpServerOptions options = test_options()) {
    tree.make_job("logs/job_a", 4, {0, 1});
    registry = std::make_unique<JobRegistry>(std::make_shared<LocalStorage>(), std::vector<std::string>{tree.path("logs")});
    registry->refresh(wall_clock_now());
    api = std::make_unique<WebApi>(*registry, resources);
    http = std::make_unique<HttpServer>(*api, *registry, options);
    port = http->listen();
    thread = std::thread([this] { http->run(); });
  }
  ~Server() { stop(); }
  // Seconds until run() returned.
  double stop() {
    if (!thread.joinable()) return 0;
    const auto start = Clock::now();
    http->stop();
    thread.join();
    return since(start);
  }
  // Seconds until /healthz answered 200 on a fresh connection; -1 when it did not within 10 s.
  double healthz(const std::string& source = "127.0.0.1") const {
    const auto start = Clock::now();
    Client c(port, source);
    if (!c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")) return -1;
    const std::string answer = c.read(10);
    return answer.starts_with("HTTP/1.1 200") ? since(start) : -1;
  }
};

std::string source_address(int i) { return "127.0.0." + std::to_string(2 + i % 32); }

std::size_t rss_kb() {
  std::ifstream in("/proc/self/status");
  std::string key;
  std::size_t value = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> value;
      return value;
    }
  }
  return 0;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("clients trickling header bytes neither lock the server out nor outlive the header deadline", "[server]") {
  Server s;
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 64; ++i) {
    slow.push_back(std::make_unique<Client>(s.port, source_address(i)));
    REQUIRE(slow.back()->send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  }
  const auto start = Clock::now();
  std::size_t closed = 0;
  bool healthz_checked = false;
  // One byte every 0.3 s each: a per-byte timeout would never fire; the 2 s deadline of the whole head does.
  while (closed < slow.size() && since(start) < 8) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    closed = 0;
    for (auto& c : slow) closed += !c->send("x") || c->closed_by_server();
    if (!healthz_checked) {
      const double t = s.healthz();
      CHECK(t >= 0);
      CHECK(t < 1.0);
      healthz_checked = true;
    }
  }
  CHECK(closed == slow.size());
  CHECK(since(start) < 6);  // 2 s deadline, with a wide margin
}

TEST_CASE("clients that never read their answers are dropped at the write deadline", "[server]") {
  Server s;
  std::string pipelined;
  for (int i = 0; i < 400; ++i) pipelined += "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";  // the page, many times over
  std::vector<std::unique_ptr<Client>> deaf;
  for (int i = 0; i < 64; ++i) {
    deaf.push_back(std::make_unique<Client>(s.port, source_address(i)));
    deaf.back()->send(pipelined);
  }
  const double t = s.healthz();
  CHECK(t >= 0);
  CHECK(t < 1.0);
  const auto start = Clock::now();
  while (s.http->connections() > 0 && since(start) < 10) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(s.http->connections() == 0);
}

TEST_CASE("500 event-stream clients: the cap is served, the others get 503 with Retry-After", "[server]") {
  Server s;
  std::vector<std::unique_ptr<Client>> streams;
  for (int i = 0; i < 500; ++i) {
    streams.push_back(std::make_unique<Client>(s.port, source_address(i)));
    REQUIRE(streams.back()->send("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  }
  int ok = 0, busy = 0;
  for (auto& c : streams) {
    const std::string head = c->read(5, 60);
    if (head.starts_with("HTTP/1.1 200")) ++ok;
    if (head.starts_with("HTTP/1.1 503")) {
      ++busy;
      const std::string rest = c->read(1, 200);
      CHECK((head + rest).find("Retry-After: 10") != std::string::npos);
    }
  }
  CHECK(ok == 32);
  CHECK(busy == 468);
  CHECK(s.http->stream_clients() == 32);
  const double t = s.healthz();
  CHECK(t >= 0);
  CHECK(t < 1.0);
}

TEST_CASE("an event stream sends a change frame without holding a thread", "[server]") {
  HttpServerOptions o = test_options();
  o.stream_poll_seconds = 0.05;
  Server s(o);
  Client c(s.port);
  REQUIRE(c.send("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  CHECK(c.read(5, 20).starts_with("HTTP/1.1 200"));
  s.tree.add_markers("logs/job_a", {2, 3});
  s.registry->refresh(wall_clock_now());
  std::string frames;
  const auto start = Clock::now();
  while (frames.find("event: change") == std::string::npos && since(start) < 5) frames += c.read(0.2);
  CHECK(frames.find("event: change") != std::string::npos);
  CHECK(frames.find("\"status\":\"complete\"") != std::string::npos);
}

TEST_CASE("a 1 MB header line is answered 431, a 1 MB request line 414, and the connection closed", "[server]") {
  Server s;
  const std::string big(1 << 20, 'a');
  for (const auto& [request, status] :
       {std::pair{"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + big + "\r\n\r\n", "HTTP/1.1 431"},
        std::pair{"GET /" + big + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "HTTP/1.1 414"}}) {
    Client c(s.port);
    c.send(request);  // may fail midway: the server stops reading at the limit
    const std::string answer = c.read(5);
    CHECK(answer.starts_with(status));
    CHECK(c.eof());
  }
}

TEST_CASE("more header lines than the limit are answered 431", "[server]") {
  Server s;
  std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 200; ++i) request += "X-" + std::to_string(i) + ": 1\r\n";  // 2 KB: under the byte limit
  Client c(s.port);
  REQUIRE(c.send(request + "\r\n"));
  CHECK(c.read(5).starts_with("HTTP/1.1 431"));
  CHECK(c.eof());
}

TEST_CASE("64 MB of header lines leave the memory as it was", "[server]") {
  Server s;
  std::string lines;
  while (lines.size() < (1 << 20)) lines += "X-Padding: 0123456789abcdef0123456789abcdef\r\n";
  CHECK(s.healthz() >= 0);  // the first request's allocations are not what is measured
  const std::size_t before = rss_kb();
  for (int i = 0; i < 64; ++i) {
    Client c(s.port, source_address(i));
    c.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + lines);
    CHECK(c.read(5, 12).starts_with("HTTP/1.1 431"));
  }
  const std::size_t after = rss_kb();
#if defined(__SANITIZE_ADDRESS__)
  WARN("RSS growth not checked under AddressSanitizer (its quarantine keeps freed memory): " << after - before << " kB");
#else
  CHECK(after < before + 8 * 1024);
#endif
}

TEST_CASE("connections over the per-address cap get 503 and are closed; other addresses still get in", "[server]") {
  HttpServerOptions o = test_options();
  o.idle_timeout_seconds = 30;
  o.max_connections_per_address = 4;
  Server s(o);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<Client>(s.port, "127.0.0.20"));
  const auto start = Clock::now();
  while (s.http->connections() < 4 && since(start) < 5) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(s.http->connections() == 4);
  Client over(s.port, "127.0.0.20");
  CHECK(over.read(5).starts_with("HTTP/1.1 503"));
  CHECK(over.eof());
  CHECK(s.healthz("127.0.0.21") >= 0);
}

TEST_CASE("pipelined requests are all answered, in order", "[server]") {
  Server s;
  Client c(s.port);
  REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                 "GET /api/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                 "GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
  const std::string answers = c.read(5);
  CHECK(c.eof());
  REQUIRE(count(answers, "HTTP/1.1 ") == 3);
  const auto first = answers.find("HTTP/1.1 200"), second = answers.find("HTTP/1.1 404"),
             third = answers.find("HTTP/1.1 200", second);
  CHECK(first < second);
  CHECK(second != std::string::npos);
  CHECK(third != std::string::npos);
  CHECK(answers.find("\"jobs\":[") > second);
}

TEST_CASE("bodies are never read: GET with one gets 413, POST the API's 405; HEAD gets no body", "[server]") {
  Server s;
  {
    Client c(s.port);
    REQUIRE(c.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000\r\n\r\nabc"));
    CHECK(c.read(5).starts_with("HTTP/1.1 413"));
    CHECK(c.eof());
  }
  {
    Client c(s.port);
    REQUIRE(c.send("POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n\r\nx"));
    const std::string answer = c.read(5);
    CHECK(answer.starts_with("HTTP/1.1 405"));
    CHECK(answer.find("Allow: GET, HEAD") != std::string::npos);
  }
  {
    Client c(s.port);
    REQUIRE(c.send("HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
    const std::string answer = c.read(5);
    CHECK(answer.starts_with("HTTP/1.1 200"));
    CHECK(answer.find("Content-Length: ") != std::string::npos);
    CHECK(answer.ends_with("\r\n\r\n"));  // the head only
  }
}

TEST_CASE("a connection that sends nothing is closed after the idle timeout", "[server]") {
  HttpServerOptions o = test_options();
  o.idle_timeout_seconds = 0.5;
  Server s(o);
  Client c(s.port);
  c.read(5);
  CHECK(c.eof());
}

TEST_CASE("stop() returns within 2 s while 200 hostile clients are held", "[server]") {
  Server s;
  std::vector<std::unique_ptr<Client>> hostile;
  std::string pipelined;
  for (int i = 0; i < 400; ++i) pipelined += "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  for (int i = 0; i < 200; ++i) {
    hostile.push_back(std::make_unique<Client>(s.port, source_address(i)));
    if (i % 3 == 0) hostile.back()->send("GET /healthz HTTP/1.1\r\nX-Slow: ");
    if (i % 3 == 1) hostile.back()->send(pipelined);
    if (i % 3 == 2) hostile.back()->send("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const double t = s.stop();
  WARN("HttpServer::stop with 200 hostile clients held: " << t << " s");
  CHECK(t < 2.0);
}

TEST_CASE("the open-files limit is raised to the hard limit", "[server]") {
  const std::size_t soft = raise_open_files_limit();
  rlimit files{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &files) == 0);
  CHECK(soft == files.rlim_max);
}

TEST_CASE("the event stream has the same Host check as every route; HEAD of it answers its head", "[server]") {
  Server s;
  {
    // Before: a rebinding page got 200 and the stream of job ids (found in review).
    Client c(s.port);
    REQUIRE(c.send("GET /api/stream HTTP/1.1\r\nHost: evil.example\r\n\r\n"));
    const std::string answer = c.read(5);
    CHECK(answer.starts_with("HTTP/1.1 403"));
    CHECK(answer.find("text/event-stream") == std::string::npos);
  }
  {
    Client c(s.port);
    REQUIRE(c.send("HEAD /api/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
    const std::string answer = c.read(5);
    CHECK(answer.starts_with("HTTP/1.1 200"));
    CHECK(answer.find("text/event-stream") != std::string::npos);
    CHECK(answer.ends_with("\r\n\r\n"));
  }
}

TEST_CASE("an HTTP/1.0 client that asks for keep-alive is told the connection is kept", "[server]") {
  Server s;
  Client c(s.port);
  // Before: kept open without saying so, so a strict 1.0 client waited for the close (found in review).
  REQUIRE(c.send("GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"));
  const std::string first = c.read(1);
  CHECK(first.starts_with("HTTP/1.1 200"));
  CHECK(first.find("Connection: keep-alive\r\n") != std::string::npos);
  REQUIRE(c.send("GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"));  // no keep-alive asked: closed after
  const std::string second = c.read(5);
  CHECK(second.starts_with("HTTP/1.1 200"));
  CHECK(second.find("Connection: close\r\n") != std::string::npos);
  CHECK(c.eof());
}

TEST_CASE("a request with two Host fields is a bad request", "[server]") {
  Server s;
  Client c(s.port);
  // Before: the first one won, so "127.0.0.1" then "evil.example" was served (found in review).
  REQUIRE(c.send("GET /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n"));
  CHECK(c.read(5).starts_with("HTTP/1.1 400"));
}
