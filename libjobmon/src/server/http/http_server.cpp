#include "jobmon/server/http_server.hpp"

#include <sys/resource.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>
#include <vector>

#include "server/http/connection.hpp"
#include "server/http/response_text.hpp"
#include "server/http/server_core.hpp"

namespace jobmon {
namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace detail {

bool ServerCore::admit(const std::string& address) {
  if (connection_count.load() >= options.max_connections) return false;
  const auto it = per_address.find(address);
  if (it != per_address.end() && it->second >= options.max_connections_per_address) return false;
  ++per_address[address];
  ++connection_count;
  return true;
}

void ServerCore::add(const std::shared_ptr<Connection>& connection) { connections.emplace(connection.get(), connection); }

void ServerCore::forget(const Connection* connection, const std::string& address) {
  connections.erase(connection);
  const auto it = per_address.find(address);
  if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  --connection_count;
}

bool ServerCore::add_stream(const std::shared_ptr<Connection>& connection) {
  if (streams.size() >= options.max_stream_clients) return false;
  streams.emplace(connection.get(), connection);
  stream_count = streams.size();
  return true;
}

void ServerCore::drop_stream(const Connection* connection) {
  streams.erase(connection);
  stream_count = streams.size();
}

}  // namespace detail

struct HttpServer::Impl {
  Impl(WebApi& api, JobRegistry& registry, HttpServerOptions options) : core(api, registry, std::move(options)) {
    if (core.options.handler_threads > 0) core.pool = std::make_unique<asio::thread_pool>(core.options.handler_threads);
  }

  void accept() {
    acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
      if (core.stopping || ec == asio::error::operation_aborted) return;
      if (ec) {  // out of descriptors, most likely: try again shortly rather than spin
        retry.expires_after(std::chrono::milliseconds(50));
        retry.async_wait([this](const error_code& e) { if (!e && !core.stopping) accept(); });
        return;
      }
      admit(std::move(socket));
      accept();
    });
  }

  void admit(tcp::socket socket) {
    error_code e;
    const auto peer = socket.remote_endpoint(e);
    if (e) return;
    std::string address = peer.address().to_string();
    if (!core.admit(address)) {
      // Over a cap: a fixed answer if the socket takes it at once, and closed; no state kept.
      socket.non_blocking(true, e);
      socket.write_some(asio::buffer(detail::over_capacity_response()), e);
      socket.close(e);
      return;
    }
    socket.set_option(tcp::no_delay(true), e);  // small answers must not wait for delayed ACKs
    auto connection = std::make_shared<detail::Connection>(core, std::move(socket), std::move(address));
    core.add(connection);
    connection->start();
  }

  // Streams are pushed from one timer: a change (the registry's version moved) or a keep-alive.
  void tick() {
    ticker.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(core.options.stream_poll_seconds)));
    ticker.async_wait([this](const error_code& ec) {
      if (ec || core.stopping) return;
      std::vector<std::shared_ptr<detail::Connection>> streams;
      streams.reserve(core.streams.size());
      for (const auto& [key, connection] : core.streams) streams.push_back(connection);
      const auto now = std::chrono::steady_clock::now();
      for (const auto& s : streams) s->push_event(now);
      tick();
    });
  }

  void shut_down() {
    if (core.stopping) return;
    core.stopping = true;
    error_code e;
    acceptor.close(e);
    ticker.cancel();
    retry.cancel();
    std::vector<std::shared_ptr<detail::Connection>> all;
    for (const auto& [key, weak] : core.connections) {
      if (auto c = weak.lock()) all.push_back(std::move(c));
    }
    for (const auto& c : all) c->close();
  }

  // Streams own themselves through the core: released while the I/O context still exists.
  ~Impl() { core.streams.clear(); }

  detail::ServerCore core;
  tcp::acceptor acceptor{core.io};
  asio::steady_timer ticker{core.io};
  asio::steady_timer retry{core.io};
};

HttpServer::HttpServer(WebApi& api, JobRegistry& registry, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(api, registry, std::move(options))) {}

HttpServer::~HttpServer() {
  if (impl_->core.pool) impl_->core.pool->join();
}

int HttpServer::listen() {
  auto& o = impl_->core.options;
  // Every connection is a descriptor: the cap must leave some for files and the listener.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY && files.rlim_cur > 64)
    o.max_connections = std::min<std::size_t>(o.max_connections, files.rlim_cur - 64);
  try {
    tcp::resolver resolver(impl_->core.io);
    const auto endpoints = resolver.resolve(o.bind, std::to_string(o.port), tcp::resolver::passive);
    const tcp::endpoint endpoint = *endpoints.begin();
    auto& a = impl_->acceptor;
    a.open(endpoint.protocol());
    a.set_option(tcp::acceptor::reuse_address(true));
    a.bind(endpoint);
    a.listen(o.listen_backlog);
    return a.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + o.bind + ":" + std::to_string(o.port) + ": " + e.code().message());
  }
}

void HttpServer::run() {
  impl_->accept();
  impl_->tick();
  impl_->core.io.run();
  if (impl_->core.pool) impl_->core.pool->join();
  // Answers that handlers posted after the loop ended: their connections are closed, they only let go.
  impl_->core.io.restart();
  impl_->core.io.poll();
}

void HttpServer::stop() {
  asio::post(impl_->core.io, [impl = impl_.get()] { impl->shut_down(); });
}

std::size_t HttpServer::connections() const { return impl_->core.connection_count.load(); }
std::size_t HttpServer::stream_clients() const { return impl_->core.stream_count.load(); }

}  // namespace jobmon
