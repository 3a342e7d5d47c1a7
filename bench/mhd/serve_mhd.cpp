// Prototype kept only as a bench target (bench_slowloris.sh with its binary
// as BASE): jobmon's WebApi behind libmicrohttpd's epoll mode, the transport
// that lost to Boost.Beast on Asio (see docs: figures, and limits that
// libmicrohttpd cannot express: a whole-request header deadline, a header
// count limit, an SSE stream without a thread of its own). No /api/stream.
//   serve_mhd [--port P] ROOT
#include <malloc.h>
#include <microhttpd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <iostream>
#include <thread>

#include "jobmon/clock.hpp"
#include "jobmon/server/host_resources.hpp"
#include "jobmon/server/serve.hpp"
#include "jobmon/server/web_api.hpp"

using namespace jobmon;

namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

MHD_Result add_query(void* cls, MHD_ValueKind, const char* key, const char* value) {
  static_cast<HttpRequest*>(cls)->query.emplace(key, value ? value : "");
  return MHD_YES;
}

MHD_Result answer(void* cls, MHD_Connection* connection, const char* url, const char* method, const char*,
                  const char*, size_t* upload_size, void** state) {
  if (*state == nullptr) {  // first call: headers only
    *state = connection;
    return MHD_YES;
  }
  if (*upload_size != 0) return MHD_NO;  // a body: refused
  HttpRequest request;
  request.method = method;
  request.path = url;
  MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, add_query, &request);
  if (const char* v = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Authorization")) request.authorization = v;
  if (const char* v = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Host")) request.host = v;
  const HttpResponse r = static_cast<WebApi*>(cls)->handle(request);
  MHD_Response* response =
      MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  MHD_add_response_header(response, "Content-Type", r.content_type.c_str());
  for (const auto& [k, v] : r.headers) MHD_add_response_header(response, k.c_str(), v.c_str());
  const MHD_Result result = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
  MHD_destroy_response(response);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  std::vector<std::string> targets;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = std::atoi(argv[++i]);
    else targets.emplace_back(argv[i]);
  }
  raise_open_files_limit();
  JobRegistry registry(nullptr, targets);
  registry.refresh(wall_clock_now());
  HostResources resources(disk_paths_for(targets));
  WebApi api(registry, resources);
  MHD_Daemon* daemon = MHD_start_daemon(
      MHD_USE_EPOLL_INTERNAL_THREAD, static_cast<std::uint16_t>(port), nullptr, nullptr,
      answer, &api, MHD_OPTION_CONNECTION_LIMIT, 8192u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 256u,
      MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(32 * 1024),
      MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u, MHD_OPTION_END);
  if (daemon == nullptr) {
    std::cerr << "serve_mhd: cannot listen\n";
    return 1;
  }
  const int bound = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
  std::cerr << fmt::format("jobmon-serve: listening on http://127.0.0.1:{}/ ({} jobs)\n", bound,
                           registry.entries_view()->size());
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  // Refreshed every 3 s like jobmon-serve, so that memory figures compare.
  for (int i = 1; !g_stop; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (i % 60 == 0) {
      registry.refresh(wall_clock_now());
      ::malloc_trim(0);
    }
  }
  MHD_stop_daemon(daemon);
  std::cerr << "jobmon-serve: stopped\n";
  return 0;
}
