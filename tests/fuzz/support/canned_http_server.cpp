#include "canned_http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "fuzz_input.hpp"

namespace jobmon::fuzz {
namespace {

// Reads the request head (and a Content-Length body, for POSTs) so the
// client never sees a reset before it has sent everything.
std::string read_request(int fd) {
  std::string in;
  char buffer[4096];
  std::size_t body_end = std::string::npos;
  while (in.size() < (1u << 20)) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 2000) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    in.append(buffer, static_cast<std::size_t>(n));
    if (body_end == std::string::npos) {
      const auto head_end = in.find("\r\n\r\n");
      if (head_end == std::string::npos) continue;
      std::size_t length = 0;
      const auto cl = in.find("Content-Length: ");
      if (cl != std::string::npos && cl < head_end) length = std::strtoul(in.c_str() + cl + 16, nullptr, 10);
      body_end = head_end + 4 + length;
    }
    if (in.size() >= body_end) break;
  }
  return in;
}

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace

CannedHttpServer::CannedHttpServer() {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    fail("CannedHttpServer: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

CannedHttpServer::~CannedHttpServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ::shutdown(listener_, SHUT_RDWR);
  thread_.join();
  ::close(listener_);
}

void CannedHttpServer::serve(std::vector<std::string> responses, std::string fallback) {
  std::lock_guard lock(mutex_);
  responses_ = std::move(responses);
  fallback_ = std::move(fallback);
  next_ = 0;
  request_lines_.clear();
}

std::vector<std::string> CannedHttpServer::request_lines() const {
  std::lock_guard lock(mutex_);
  return request_lines_;
}

void CannedHttpServer::loop() {
  for (;;) {
    pollfd p{listener_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 200);
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (ready <= 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    const std::string request = read_request(fd);
    std::string answer;
    {
      std::lock_guard lock(mutex_);
      request_lines_.push_back(request.substr(0, request.find("\r\n")));
      answer = next_ < responses_.size() ? responses_[next_++] : fallback_;
    }
    send_all(fd, answer);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }
}

}  // namespace jobmon::fuzz
