// Test helper: runs tests/support/fake_hub.py (a fake Hugging Face Hub on
// 127.0.0.1, two OS-chosen ports: the Hub API and a "CDN" that the resolve
// endpoint redirects to) for the lifetime of the object; and HostileServer,
// tests/support/hostile_http.py, a server that misbehaves on purpose.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <sys/types.h>

namespace jobmon::test {

class FakeHub {
 public:
  // Serves repos from root/<org>/<name>/; with a token, the Hub API demands it.
  explicit FakeHub(const std::string& root, const std::string& token = "", int page_size = 1000);
  ~FakeHub();
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  int port() const { return port_; }
  int cdn_port() const { return cdn_port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Injects a fault: the next `count` requests whose path matches the regex
  // `match` (and method, when given) get `status` with these headers.
  void fault(const std::string& match, int status, int count, const std::string& method = "",
             const boost::json::object& headers = {}, const std::string& port = "");
  // Every request so far: {"port":"hub"|"cdn","method","path","auth","range",...}.
  boost::json::array log() const;
  void reset() const;
  // Someone else commits: the branch head moves.
  void move_branch(const std::string& repo) const;
  // Right after the next listing of `repo`, someone pushes: the commit listed
  // stays readable at its sha, then `copy` (repo path -> local file) lands and
  // the branch moves.
  void push_after_listing(const std::string& repo, const boost::json::object& copy) const;
  // Makes every CDN answer wait, and resets the in-flight high-water mark.
  void set_cdn_delay(double seconds) const;
  // The CDN ignores Range headers and answers 200 with the whole file.
  void set_ignore_range(bool on) const;
  // {"cdn_max_active": most CDN requests seen at once, "commits": n}.
  boost::json::object stats() const;

 private:
  std::string control(const std::string& method, const std::string& path, const std::string& body = "") const;
  pid_t pid_ = -1;
  int port_ = 0;
  int cdn_port_ = 0;
};

// A server that never ends listings, trickles bodies, asks for 300 s waits,
// sends NUL header bytes, redirects to gopher:// and file://, lists bad
// sizes: the behaviour is picked by the endpoint's path (see hostile_http.py).
class HostileServer {
 public:
  explicit HostileServer(const std::string& parquet = "");  // the good shard of the bad-sizes listing
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;

  // e.g. endpoint("trickle") = "http://127.0.0.1:N/m/trickle"
  std::string endpoint(const std::string& mode) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/m/" + mode;
  }
  int sink_port() const { return sink_port_; }
  // {"connections": n, "bytes": b} that reached the raw TCP sink port.
  boost::json::object sink() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int sink_port_ = 0;
};

}  // namespace jobmon::test
