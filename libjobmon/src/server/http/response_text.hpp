// The bytes of an HTTP/1.1 response: status line, headers, body.
#pragma once

#include <string>

#include "jobmon/server/web_api.hpp"

namespace jobmon::detail {

// With Content-Length always (HEAD: the GET body's length, no body), and
// "Connection: close" when the connection ends after it.
std::string response_text(const HttpResponse& response, bool head, bool close);

// The head of a Server-Sent Events response: the body runs until the connection closes.
std::string event_stream_head();

// What a connection over a cap gets before it is closed: tiny and fixed.
const std::string& over_capacity_response();

}  // namespace jobmon::detail
