// Connection: one client socket of an HttpServer, driven by callbacks that run
// on its own strand (one at a time, on any I/O thread); it holds no thread
// while it waits. Calls from outside go through executor(). It reads requests one after
// the other (pipelined ones are answered in order), each within its deadlines
// and limits, hands them to the WebApi (on the handler pool), writes the
// answers, and serves /api/stream as a Server-Sent Events stream.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "jobmon/server/event_stream.hpp"
#include "server/http/request_parser.hpp"
#include "server/http/server_core.hpp"

namespace jobmon::detail {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerCore& core, boost::asio::ip::tcp::socket socket, std::string address);
  ~Connection();

  // The connection's strand: start(), close() and push_event() from elsewhere are posted to it.
  boost::asio::ip::tcp::socket::executor_type executor() { return socket_.get_executor(); }
  void start();
  // Closes the socket now: pending reads and writes end with an error.
  void close();
  // Streams only: writes the next event frame when one is due and no write is pending.
  void push_event(std::chrono::steady_clock::time_point now);

 private:
  void read_request();
  void read_more();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void parse();
  void dispatch(bool close_after);
  void answer(HttpResponse response, bool head, bool close_after);
  void write(bool close_after);
  void start_stream(const HttpRequest& request, bool close_after);
  void watch_stream();
  // Answers a request that cannot be parsed or is refused (400, 413, 414, 431), then closes.
  void refuse(int status, const char* message = nullptr);
  // Stops sending, and reads (and drops) what the client still sends for a
  // moment before closing, so that it sees the answer rather than a reset.
  void linger();
  void drain();
  // The deadline of what the connection waits for now; when it passes the connection is closed.
  void arm(double seconds);
  void disarm();

  ServerCore& core_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::string address_;
  std::uint64_t deadline_generation_ = 0;
  std::string in_;                 // received bytes [begin_, end_), at most max_header_bytes
  std::size_t begin_ = 0, end_ = 0;
  std::optional<RequestParser> parser_;
  bool request_started_ = false;   // its first byte arrived: the header deadline runs
  std::string out_;   // what is being written: a response head, or an event frame
  std::shared_ptr<const std::string> body_;  // the body written after out_ (shared with a cache, maybe)
  bool writing_ = false;
  bool closed_ = false;
  bool http10_ = false;  // the request being answered is HTTP/1.0
  std::unique_ptr<EventStream> events_;
  std::chrono::steady_clock::time_point last_event_;
};

}  // namespace jobmon::detail
