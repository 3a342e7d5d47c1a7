// What every connection of an HttpServer shares: the API, the options, the
// I/O context and handler pool, and the bookkeeping behind the caps (under a
// mutex: connections live on strands of several I/O threads).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "jobmon/server/http_server.hpp"

namespace jobmon::detail {

class Connection;

struct ServerCore {
  ServerCore(WebApi& web_api, JobRegistry& job_registry, HttpServerOptions server_options)
      : api(web_api), registry(job_registry), options(std::move(server_options)) {}

  // A new connection from `address`: false (and nothing counted) when over a cap.
  bool admit(const std::string& address);
  void add(const std::shared_ptr<Connection>& connection);
  // Called by a connection's destructor.
  void forget(const Connection* connection, const std::string& address);
  // A stream slot for /api/stream: false when all are taken.
  bool add_stream(const std::shared_ptr<Connection>& connection);
  void drop_stream(const Connection* connection);

  WebApi& api;
  JobRegistry& registry;
  HttpServerOptions options;
  std::atomic<bool> stopping{false};
  std::mutex mutex;  // guards the three maps
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections;
  // Streams are owned here between events, when no read or write holds them.
  std::unordered_map<const Connection*, std::shared_ptr<Connection>> streams;
  std::unordered_map<std::string, std::size_t> per_address;
  std::atomic<std::size_t> connection_count{0};
  std::atomic<std::size_t> stream_count{0};
  std::unique_ptr<boost::asio::thread_pool> pool;  // null: handlers run on the I/O thread
  // Last member, so it is destroyed first: handlers it still holds release
  // their connections while the maps above exist.
  boost::asio::io_context io;
};

}  // namespace jobmon::detail
