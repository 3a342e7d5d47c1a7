#include "server/http/request_parser.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

namespace jobmon::detail {
namespace http = boost::beast::http;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding; a malformed escape is kept as it is.
std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(plus_is_space && c == '+' ? ' ' : c);
    }
  }
  return out;
}

}  // namespace

RequestParser::RequestParser(std::size_t max_header_bytes, std::size_t max_header_fields)
    : max_header_fields_(max_header_fields) {
  header_limit(static_cast<std::uint32_t>(max_header_bytes));
}

void RequestParser::on_request_impl(http::verb, boost::beast::string_view method_string, boost::beast::string_view target, int version,
                                    boost::beast::error_code&) {
  request_.method = std::string(method_string.data(), method_string.size());
  version_ = version;
  request_line_seen_ = true;
  split_target(std::string_view(target.data(), target.size()), request_);
}

void RequestParser::on_field_impl(http::field name, boost::beast::string_view name_string, boost::beast::string_view value,
                                  boost::beast::error_code& ec) {
  if (++fields_ > max_header_fields_) {
    ec = http::error::header_limit;
    return;
  }
  // Beast has checked the digits; any but zeros announce a body (read through
  // the field, not content_length(), which GCC's sanitizer builds warn about).
  if (name == http::field::content_length && value.find_first_not_of("0 \t") != boost::beast::string_view::npos)
    has_body_ = true;
  // Two Host fields are a bad request (RFC 9112 3.2): answering one of them
  // would let a proxy and this server disagree on which name was asked for.
  if (name == http::field::host) {
    if (host_seen_) {
      ec = http::error::bad_field;
      return;
    }
    request_.host = std::string(value.data(), value.size());
    host_seen_ = true;
  } else if (name == http::field::authorization && !authorization_seen_) {
    request_.authorization = std::string(value.data(), value.size());
    authorization_seen_ = true;
  } else if (name == http::field::if_none_match) {
    // Several fields are one list (RFC 9110 5.3).
    if (!request_.if_none_match.empty()) request_.if_none_match += ", ";
    request_.if_none_match.append(value.data(), value.size());
  } else if (name == http::field::unknown && boost::beast::iequals(name_string, "Last-Event-ID")) {
    request_.last_event_id = std::string(value.data(), value.size());
  }
}

void RequestParser::on_header_impl(boost::beast::error_code& ec) {
  // Refused before a byte of it is read: the API is read-only.
  has_body_ = has_body_ || chunked();
  if (has_body_) ec = http::error::body_limit;
}

std::size_t RequestParser::on_body_impl(boost::beast::string_view, boost::beast::error_code& ec) {
  ec = http::error::body_limit;
  return 0;
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view, boost::beast::error_code& ec) {
  ec = http::error::body_limit;
  return 0;
}

int status_for_parse_error(const boost::beast::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  return 400;
}

void split_target(std::string_view target, HttpRequest& request) {
  const std::size_t q = target.find('?');
  request.path = percent_decode(target.substr(0, q), false);
  request.query.clear();
  if (q == std::string_view::npos) return;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    request.query.emplace(percent_decode(key, true), percent_decode(value, true));
  }
}

}  // namespace jobmon::detail
