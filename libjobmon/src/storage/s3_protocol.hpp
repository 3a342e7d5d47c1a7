// The parts of talking to S3 that need no network: s3:// URLs, SigV4 URI
// encoding, AWS INI files, the XML answers (ListObjectsV2 pages, error
// documents) and S3's date formats. Private to libjobmon (the configuration
// a user builds an S3Storage from is jobmon/storage/s3_config.hpp); kept
// apart from S3Storage so they are unit-tested on their own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmon::detail {

// "s3://bucket/a/b/" -> {bucket, "a/b"}: the key never has a leading or
// trailing slash; "" is the bucket's root.
struct S3Location {
  std::string bucket;
  std::string key;
};

bool is_s3_url(std::string_view path);
// Throws UsageError for a malformed URL (no bucket, bad bucket name).
S3Location parse_s3_url(std::string_view url);

// Percent-encodes per SigV4 (RFC 3986 unreserved kept); '/' kept when asked.
std::string uri_encode(std::string_view text, bool keep_slash);

// INI as AWS writes it: sections -> key -> value ("[profile x]" kept as is).
// Comments (# and ;), blank lines and indented sub-keys ("s3 =\n  x = y",
// which become "s3.x") are handled; malformed lines are skipped.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
IniFile parse_ini(std::string_view text);

// One ListObjectsV2 page.
struct S3Object {
  std::string key;
  std::uint64_t size = 0;
  double mtime = 0;  // LastModified, epoch seconds
};
struct S3ListPage {
  std::vector<S3Object> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_token;
};
// Throws FormatError on malformed or truncated XML, or on a document that
// is not a ListBucketResult.
S3ListPage parse_list_objects(std::string_view xml);

// <Error><Code>..</Code><Message>..</Message></Error>; empty fields when the
// body is not such a document (HEAD answers have no body).
struct S3ErrorInfo {
  std::string code;
  std::string message;
};
S3ErrorInfo parse_s3_error(std::string_view xml);

// "2026-11-22T01:50:56.123Z" -> epoch seconds; nullopt when malformed.
std::optional<double> parse_iso8601_utc(std::string_view text);
// "Sun, 22 Nov 2026 01:50:56 GMT" -> epoch seconds; nullopt when malformed.
std::optional<double> parse_http_date(std::string_view text);

}  // namespace jobmon::detail
