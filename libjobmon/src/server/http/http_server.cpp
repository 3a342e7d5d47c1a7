#include "jobmon/server/http_server.hpp"

#include <sys/resource.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <mutex>
#include <thread>
#include <type_traits>
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
  const std::lock_guard lock(mutex);
  if (connection_count.load() >= options.max_connections) return false;
  const auto it = per_address.find(address);
  if (it != per_address.end() && it->second >= options.max_connections_per_address) return false;
  ++per_address[address];
  ++connection_count;
  return true;
}

void ServerCore::add(const std::shared_ptr<Connection>& connection) {
  const std::lock_guard lock(mutex);
  connections.emplace(connection.get(), connection);
}

void ServerCore::forget(const Connection* connection, const std::string& address) {
  const std::lock_guard lock(mutex);
  connections.erase(connection);
  const auto it = per_address.find(address);
  if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  --connection_count;
}

bool ServerCore::add_stream(const std::shared_ptr<Connection>& connection) {
  const std::lock_guard lock(mutex);
  if (streams.size() >= options.max_stream_clients) return false;
  streams.emplace(connection.get(), connection);
  stream_count = streams.size();
  return true;
}

void ServerCore::drop_stream(const Connection* connection) {
  std::shared_ptr<Connection> owner;  // released after the lock: it may be the last owner
  const std::lock_guard lock(mutex);
  const auto it = streams.find(connection);
  if (it == streams.end()) return;
  owner = std::move(it->second);
  streams.erase(it);
  stream_count = streams.size();
}

}  // namespace detail

struct HttpServer::Impl {
  Impl(WebApi& api, JobRegistry& registry, HttpServerOptions options) : core(api, registry, std::move(options)) {
    if (core.options.handler_threads > 0) core.pool = std::make_unique<asio::thread_pool>(core.options.handler_threads);
  }

  // Accepting, the stream timer and the stop run on the acceptor's strand; each
  // connection gets a strand of its own.
  void accept() {
    acceptor.async_accept(asio::make_strand(core.io), [this](const error_code& ec, tcp::socket socket) {
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
    asio::post(connection->executor(), [connection] { connection->start(); });
  }

  // Streams are pushed from one timer: a change (the registry's version moved) or a keep-alive.
  void tick() {
    ticker.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(core.options.stream_poll_seconds)));
    ticker.async_wait([this](const error_code& ec) {
      if (ec || core.stopping) return;
      const auto now = std::chrono::steady_clock::now();
      for (const auto& s : live(core.streams)) asio::post(s->executor(), [s, now] { s->push_event(now); });
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
    for (const auto& c : live(core.connections)) asio::post(c->executor(), [c] { c->close(); });
  }

  // The connections of a map that still exist, copied under the lock.
  template <class Map>
  std::vector<std::shared_ptr<detail::Connection>> live(const Map& map) {
    std::vector<std::shared_ptr<detail::Connection>> out;
    const std::lock_guard lock(core.mutex);
    out.reserve(map.size());
    for (const auto& [key, owner] : map) {
      if constexpr (std::is_same_v<std::decay_t<decltype(owner)>, std::shared_ptr<detail::Connection>>) {
        out.push_back(owner);
      } else if (auto c = owner.lock()) {
        out.push_back(std::move(c));
      }
    }
    return out;
  }

  // Streams own themselves through the core: released while the I/O context still exists.
  ~Impl() {
    std::unordered_map<const detail::Connection*, std::shared_ptr<detail::Connection>> streams;
    {
      const std::lock_guard lock(core.mutex);
      streams.swap(core.streams);
    }
  }

  detail::ServerCore core;
  tcp::acceptor acceptor{asio::make_strand(core.io)};
  asio::steady_timer ticker{acceptor.get_executor()};
  asio::steady_timer retry{acceptor.get_executor()};
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
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    impl->accept();
    impl->tick();
  });
  std::vector<std::thread> more;
  for (unsigned i = 1; i < std::max(1u, impl_->core.options.io_threads); ++i)
    more.emplace_back([this] { impl_->core.io.run(); });
  impl_->core.io.run();
  for (auto& t : more) t.join();
  if (impl_->core.pool) impl_->core.pool->join();
  // Answers that handlers posted after the loop ended: their connections are closed, they only let go.
  impl_->core.io.restart();
  impl_->core.io.poll();
}

void HttpServer::stop() {
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] { impl->shut_down(); });
}

std::size_t HttpServer::connections() const { return impl_->core.connection_count.load(); }
std::size_t HttpServer::stream_clients() const { return impl_->core.stream_count.load(); }

}  // namespace jobmon
