// The bytes of an HTTP/1.1 response: status line, headers, body.
#pragma once

#include <string>

#include "jobmon/server/web_api.hpp"

namespace jobmon::detail {

// The status line and headers, with Content-Length always (for HEAD too: the
// GET body's length) and "Connection: close" when the connection ends after
// it. The body is written from the response itself, not copied.
// `announce_keep_alive`: an HTTP/1.0 client that asked to keep the connection
// is told it is kept (1.0 closes by default).
std::string response_head(const HttpResponse& response, bool close, bool announce_keep_alive = false);

// The head of a Server-Sent Events response: the body runs until the connection closes.
std::string event_stream_head();

// What a connection over a cap gets before it is closed: tiny and fixed.
const std::string& over_capacity_response();

}  // namespace jobmon::detail
