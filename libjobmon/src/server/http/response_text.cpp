#include "server/http/response_text.hpp"

#include <boost/beast/http/status.hpp>
#include <fmt/format.h>

namespace jobmon::detail {

std::string response_head(const HttpResponse& response, bool close, bool announce_keep_alive) {
  const auto reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  std::string out = fmt::format("HTTP/1.1 {} {}\r\n", response.status, std::string_view(reason.data(), reason.size()));
  // 204 and 304 have no content, and no Content-Length (RFC 9110 8.6: a 304's
  // would have to be the 200's length, which it does not have).
  if (response.status != 204 && response.status != 304)
    fmt::format_to(std::back_inserter(out), "Content-Type: {}\r\nContent-Length: {}\r\n", response.content_type,
                   response.body.size());
  for (const auto& [name, value] : response.headers) fmt::format_to(std::back_inserter(out), "{}: {}\r\n", name, value);
  if (close) out += "Connection: close\r\n";
  else if (announce_keep_alive) out += "Connection: keep-alive\r\n";
  out += "\r\n";
  return out;
}

std::string event_stream_head() {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\n"
         "X-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\n"
         "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\nConnection: close\r\n\r\n";
}

const std::string& over_capacity_response() {
  static const std::string text =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\nCache-Control: no-store\r\n"
      "Connection: close\r\n\r\n";
  return text;
}

}  // namespace jobmon::detail
