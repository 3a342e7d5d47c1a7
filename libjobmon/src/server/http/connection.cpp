#include "server/http/connection.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <array>
#include <cstring>
#include <fmt/format.h>

#include "server/http/response_text.hpp"

namespace jobmon::detail {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {

HttpResponse error_answer(int status, const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.body = fmt::format(R"({{"error":"{}","status":{}}})", message, status);  // fixed messages: nothing to escape
  add_common_headers(r);  // no-store, and no framing, like every WebApi answer
  return r;
}

const char* refusal_message(int status) {
  switch (status) {
    case 431: return "request header fields too large";
    case 414: return "request target too long";
    case 413: return "request bodies are not accepted";
    default: return "malformed request";
  }
}

HttpResponse handle_safely(WebApi& api, const HttpRequest& request) {
  try {
    return api.handle(request);
  } catch (const std::exception&) {
    return error_answer(500, "internal error");
  }
}

}  // namespace

Connection::Connection(ServerCore& core, asio::ip::tcp::socket socket, std::string address)
    : core_(core), socket_(std::move(socket)), timer_(socket_.get_executor()), address_(std::move(address)) {}

Connection::~Connection() { core_.forget(this, address_); }

void Connection::start() { read_request(); }

void Connection::close() {
  if (closed_) return;
  const auto keep = shared_from_this();  // dropping the stream slot may release the last owner
  closed_ = true;
  error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  if (events_) core_.drop_stream(this);
}

void Connection::read_request() {
  if (closed_ || core_.stopping) return close();
  parser_.emplace(core_.options.max_header_bytes, core_.options.max_header_fields);
  request_started_ = begin_ < end_;  // a pipelined request already began
  if (request_started_) {
    arm(core_.options.header_timeout_seconds);
    parse();
    return;
  }
  begin_ = end_ = 0;
  arm(core_.options.idle_timeout_seconds);
  read_more();
}

void Connection::read_more() {
  if (begin_ > 0) {
    std::memmove(in_.data(), in_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  // Grows with what arrives, up to the header limit: a trickling client costs a kilobyte.
  const std::size_t limit = core_.options.max_header_bytes;
  if (end_ == in_.size()) {
    if (in_.size() >= limit) return refuse(431);  // Beast reports header_limit first; kept as a bound
    in_.resize(std::min(limit, std::max<std::size_t>(1024, in_.size() * 2)));
  }
  socket_.async_read_some(asio::buffer(in_.data() + end_, in_.size() - end_),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void Connection::on_read(const error_code& ec, std::size_t n) {
  if (ec || closed_) return close();
  end_ += n;
  if (!request_started_) {
    request_started_ = true;  // the whole head must now arrive within the header deadline
    arm(core_.options.header_timeout_seconds);
  }
  parse();
}

void Connection::parse() {
  while (begin_ < end_ && !parser_->is_done()) {
    error_code ec;
    const std::size_t used = parser_->put(asio::buffer(in_.data() + begin_, end_ - begin_), ec);
    begin_ += used;
    if (ec == boost::beast::http::error::need_more) break;
    if (ec == boost::beast::http::error::body_limit && parser_->has_body()) {
      const std::string& method = parser_->request().method;
      if (method != "GET" && method != "HEAD") return dispatch(true);  // the API's 405, then closed
    }
    if (ec == boost::beast::http::error::header_limit && !parser_->request_line_seen())
      return refuse(414);  // not even the request line fits
    if (ec) return refuse(status_for_parse_error(ec));
    if (used == 0) break;
  }
  if (parser_->is_done()) return dispatch(false);
  read_more();
}

void Connection::dispatch(bool close_after) {
  disarm();
  HttpRequest request = std::move(parser_->request());
  close_after = close_after || !parser_->keep_alive();
  http10_ = parser_->version() == 10;
  // HTTP/1.1 requires Host (RFC 9112 3.2: a 400 when missing); 1.0 clients may omit it.
  if (!http10_ && !parser_->host_seen()) return refuse(400, "HTTP/1.1 requests need a Host header");
  const bool head = request.method == "HEAD";
  if (request.method == "GET" && request.path == "/api/stream") return start_stream(request, close_after);
  if (!core_.pool) return answer(handle_safely(core_.api, request), head, close_after);
  // A slow handler (10,000 jobs filtered, log files read) runs on the pool;
  // the work guard keeps the I/O loop alive until its answer is posted back to the strand.
  asio::post(*core_.pool, [self = shared_from_this(), request = std::move(request), head, close_after,
                           work = asio::make_work_guard(core_.io)]() mutable {
    HttpResponse response = handle_safely(self->core_.api, request);
    const auto strand = self->executor();
    asio::post(strand, [self = std::move(self), response = std::move(response), head, close_after]() mutable {
      self->answer(std::move(response), head, close_after);
    });
  });
}

void Connection::answer(HttpResponse response, bool head, bool close_after) {
  if (closed_) return;
  out_ = response_head(response, close_after, http10_);
  if (!head) body_ = response.body.shared();  // a cached page is written from the cache, not copied
  write(close_after);
}

void Connection::write(bool close_after) {
  writing_ = true;
  arm(core_.options.write_timeout_seconds);
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(out_), body_ ? asio::buffer(*body_) : asio::const_buffer()};
  asio::async_write(socket_, buffers, [self = shared_from_this(), close_after](const error_code& ec, std::size_t) {
    self->writing_ = false;
    if (ec || self->closed_) return self->close();
    self->out_.clear();
    self->body_.reset();  // an idle connection keeps no answer
    if (close_after) return self->linger();
    if (self->events_) return self->disarm();  // a stream waits for its next event
    self->read_request();
  });
}

void Connection::start_stream(const HttpRequest& request, bool close_after) {
  // The same 403 (rebinding Host), 401 (no token) as every other route.
  if (auto refused = core_.api.refusal(request)) {
    add_common_headers(*refused);
    return answer(std::move(*refused), false, close_after);
  }
  if (!core_.add_stream(shared_from_this())) {
    HttpResponse busy = error_answer(503, "too many event streams");
    busy.headers.push_back({"Retry-After", std::to_string(core_.options.stream_retry_after_seconds)});
    return answer(busy, false, close_after);
  }
  // A reconnecting EventSource names the last event it saw: what changed since
  // then (or a "reset" when that is too old to tell) follows the head at once.
  events_ = std::make_unique<EventStream>(core_.registry, request.last_event_id);
  last_event_ = std::chrono::steady_clock::now();
  out_ = event_stream_head();
  if (auto resume = events_->resume_frame()) out_ += *resume;
  write(false);
  watch_stream();
}

void Connection::watch_stream() {
  // Reads (and drops) whatever the client sends, only to see it go away.
  if (in_.size() < 1024) in_.resize(1024);
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](const error_code& ec, std::size_t) {
    if (ec || self->closed_) return self->close();
    self->watch_stream();
  });
}

void Connection::push_event(std::chrono::steady_clock::time_point now) {
  if (closed_ || writing_ || !events_) return;
  const bool keep_alive_due =
      std::chrono::duration<double>(now - last_event_).count() >= core_.options.stream_keep_alive_seconds;
  auto frame = events_->poll(keep_alive_due);
  if (!frame) return;
  last_event_ = now;
  out_ = std::move(*frame);
  write(false);
}

void Connection::refuse(int status, const char* message) {
  disarm();
  answer(error_answer(status, message ? message : refusal_message(status)), false, true);
}

void Connection::linger() {
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  arm(1.0);
  drain();
}

void Connection::drain() {
  if (in_.size() < 1024) in_.resize(1024);
  socket_.async_read_some(asio::buffer(in_), [self = shared_from_this()](const error_code& ec, std::size_t) {
    if (ec || self->closed_) return self->close();
    self->drain();
  });
}

void Connection::arm(double seconds) {
  const std::uint64_t generation = ++deadline_generation_;
  timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds)));
  timer_.async_wait([weak = weak_from_this(), generation](const error_code& ec) {
    const auto self = weak.lock();
    if (!ec && self && self->deadline_generation_ == generation) self->close();
  });
}

void Connection::disarm() {
  ++deadline_generation_;
  timer_.cancel();
}

}  // namespace jobmon::detail
