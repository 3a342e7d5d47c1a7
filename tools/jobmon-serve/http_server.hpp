// The HTTP transport of jobmon-serve: cpp-httplib in front of jobmon::WebApi,
// a background refresh loop, and Server-Sent Events on /api/stream.
#pragma once

#include <string>
#include <vector>

namespace jobmon::serve {

struct ServeOptions {
  std::string bind = "127.0.0.1";
  int port = 8787;  // 0 = any free port (printed on stderr)
  std::string token;
  double interval_seconds = 3;
  unsigned threads = 0;
  std::size_t max_stream_clients = 32;
  std::vector<std::string> targets;
};

// Runs until SIGINT/SIGTERM. Returns the process exit code.
int run_server(const ServeOptions& options);

}  // namespace jobmon::serve
