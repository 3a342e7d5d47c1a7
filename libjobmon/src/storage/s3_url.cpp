// s3:// URLs, SigV4 URI encoding, and where a bucket lives on an endpoint.
#include <cctype>

#include "jobmon/error.hpp"
#include "jobmon/storage/s3_config.hpp"
#include "storage/s3_protocol.hpp"

namespace jobmon::detail {

bool is_s3_url(std::string_view path) { return path.starts_with("s3://"); }

S3Location parse_s3_url(std::string_view url) {
  if (!is_s3_url(url)) throw UsageError("not an s3:// URL: " + std::string(url));
  std::string_view rest = url.substr(5);
  const auto slash = rest.find('/');
  S3Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  if (loc.bucket.empty()) throw UsageError("no bucket in S3 URL: " + std::string(url));
  // Bucket names: 3-63 of [a-z0-9.-] (older buckets allow _ and capitals).
  if (loc.bucket.size() < 3 || loc.bucket.size() > 63) throw UsageError("bad bucket name in S3 URL: " + std::string(url));
  for (char c : loc.bucket) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      throw UsageError("bad bucket name in S3 URL: " + std::string(url));
  }
  if (slash != std::string_view::npos) {
    std::string_view key = rest.substr(slash + 1);
    while (!key.empty() && key.front() == '/') key.remove_prefix(1);
    while (!key.empty() && key.back() == '/') key.remove_suffix(1);
    loc.key = std::string(key);
  }
  return loc;
}

std::string uri_encode(std::string_view text, bool keep_slash) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace jobmon::detail

namespace jobmon {

std::string S3Config::bucket_url(const std::string& bucket) const {
  // Dotted names break the TLS wildcard of virtual hosts: path style for them.
  if (path_style || bucket.find('.') != std::string::npos) return endpoint + "/" + bucket;
  const auto scheme_end = endpoint.find("://");
  if (scheme_end == std::string::npos) return endpoint + "/" + bucket;
  return endpoint.substr(0, scheme_end + 3) + bucket + "." + endpoint.substr(scheme_end + 3);
}

std::string S3Config::describe() const {
  std::string out = "endpoint " + endpoint + (path_style ? " (path-style)" : "") + ", region " + region;
  if (access_key_id.empty()) return out + ", anonymous (no credentials found)";
  out += ", credentials from " + credentials_source;
  if (credentials_source != "environment") out += " [" + profile + "]";
  return out;
}

}  // namespace jobmon
