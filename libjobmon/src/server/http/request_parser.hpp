// RequestParser: one HTTP/1.1 request head parsed straight into an
// HttpRequest (Beast's basic_parser), with jobmon-serve's limits applied while
// the bytes arrive: header bytes (Beast's header_limit), header lines, and no
// body at all (the API is read-only).
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <string_view>

#include "jobmon/server/web_api.hpp"

namespace jobmon::detail {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  RequestParser(std::size_t max_header_bytes, std::size_t max_header_fields);

  HttpRequest& request() { return request_; }
  int version() const { return version_; }  // 10 or 11
  bool request_line_seen() const { return request_line_seen_; }
  // A Host field arrived (HTTP/1.1 requires one: RFC 9112 3.2).
  bool host_seen() const { return host_seen_; }
  // The request announced a body (a Content-Length above 0, or chunked). Its
  // head is complete, the body is never read: a GET or HEAD is answered 413,
  // another method gets the API's 405, and the connection is closed.
  bool has_body() const { return has_body_; }

 private:
  void on_request_impl(boost::beast::http::verb method, boost::beast::string_view method_string, boost::beast::string_view target,
                       int version, boost::beast::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code&) override {}
  void on_field_impl(boost::beast::http::field name, boost::beast::string_view name_string, boost::beast::string_view value,
                     boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&, boost::beast::error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view, boost::beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body, boost::beast::error_code& ec) override;
  void on_finish_impl(boost::beast::error_code&) override {}

  HttpRequest request_;
  std::size_t max_header_fields_;
  std::size_t fields_ = 0;
  int version_ = 11;
  bool host_seen_ = false, authorization_seen_ = false;
  bool has_body_ = false;
  bool request_line_seen_ = false;
};

// The status a parse error is answered with: 431 for a head over the limits,
// 413 for a body, 400 for anything malformed.
int status_for_parse_error(const boost::beast::error_code& ec);

// Splits a request target into its percent-decoded path and query parameters
// ('+' is a space in the query), as the WebApi expects them.
void split_target(std::string_view target, HttpRequest& request);

}  // namespace jobmon::detail
