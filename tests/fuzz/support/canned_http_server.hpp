// CannedHttpServer: an HTTP/1.1 server on 127.0.0.1 (an OS-chosen port) in
// a thread of the fuzz process, answering each request with the next of a
// list of canned raw responses (then with `fallback`), one per connection.
// In-process so a fuzz execution costs a loopback round trip, not a Python
// server; it records the request lines so a target can check where the
// client went.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace jobmon::fuzz {

class CannedHttpServer {
 public:
  CannedHttpServer();
  ~CannedHttpServer();
  CannedHttpServer(const CannedHttpServer&) = delete;
  CannedHttpServer& operator=(const CannedHttpServer&) = delete;

  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Replaces the queue of answers (raw bytes: status line, headers, body).
  void serve(std::vector<std::string> responses, std::string fallback);
  std::vector<std::string> request_lines() const;

 private:
  void loop();
  int listener_ = -1;
  int port_ = 0;
  bool stopping_ = false;
  mutable std::mutex mutex_;
  std::vector<std::string> responses_;
  std::size_t next_ = 0;
  std::string fallback_;
  std::vector<std::string> request_lines_;
  std::thread thread_;
};

}  // namespace jobmon::fuzz
