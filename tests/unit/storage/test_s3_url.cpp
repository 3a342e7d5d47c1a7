// s3:// URLs, SigV4 URI encoding, bucket addressing, and the storage factory's
// choice of backend.
#include <catch2/catch.hpp>

#include "jobmon/error.hpp"
#include "jobmon/storage/s3_storage.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "storage/s3_protocol.hpp"

using namespace jobmon;
using namespace jobmon::detail;

TEST_CASE("S3 URL: parsing", "[storage]") {
  CHECK(is_s3_url("s3://b/x"));
  CHECK_FALSE(is_s3_url("/data/s3://b"));
  CHECK_FALSE(is_s3_url("S3://b"));
  auto loc = parse_s3_url("s3://my-bucket/logs/run_1/");
  CHECK(loc.bucket == "my-bucket");
  CHECK(loc.key == "logs/run_1");
  loc = parse_s3_url("s3://my-bucket");
  CHECK(loc.key.empty());
  loc = parse_s3_url("s3://my-bucket//a//");
  CHECK(loc.key == "a");
  CHECK_THROWS_AS(parse_s3_url("s3://"), UsageError);
  CHECK_THROWS_AS(parse_s3_url("s3:///key"), UsageError);
  CHECK_THROWS_AS(parse_s3_url("s3://ab/key"), UsageError);           // too short
  CHECK_THROWS_AS(parse_s3_url("s3://bad bucket/key"), UsageError);
  CHECK_THROWS_AS(parse_s3_url("s3://b?x=1/key"), UsageError);
  CHECK_THROWS_AS(parse_s3_url("/local/path"), UsageError);
}

TEST_CASE("S3 URL: SigV4 encoding", "[storage]") {
  CHECK(uri_encode("run/job 1/completions/", true) == "run/job%201/completions/");
  CHECK(uri_encode("run/job 1/", false) == "run%2Fjob%201%2F");
  CHECK(uri_encode("a+b=c~d_e.f-g", false) == "a%2Bb%3Dc~d_e.f-g");
  CHECK(uri_encode("\xc3\xa9", false) == "%C3%A9");
}

TEST_CASE("S3 URL: bucket addressing", "[storage]") {
  S3Config config;
  config.endpoint = "http://127.0.0.1:4569";
  config.path_style = true;
  CHECK(config.bucket_url("jobs") == "http://127.0.0.1:4569/jobs");
  config.endpoint = "https://s3.eu-west-1.amazonaws.com";
  config.path_style = false;
  CHECK(config.bucket_url("jobs") == "https://jobs.s3.eu-west-1.amazonaws.com");
  CHECK(config.bucket_url("my.dotted.bucket") == "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket");
}

TEST_CASE("S3 URL: the fixed part of a target", "[storage]") {
  CHECK(fixed_prefix("s3://b/run/*/x") == "s3://b/run");
  CHECK(fixed_prefix("s3://bucket/run") == "s3://bucket/run");
  CHECK(fixed_prefix("s3://bucket/**") == "s3://bucket");
  CHECK(fixed_prefix("/data/tok_*") == "/data");
}

TEST_CASE("S3 URL: the factory picks the backend by URL", "[storage]") {
  CHECK(dynamic_cast<LocalStorage*>(storage_for("/tmp").get()) != nullptr);
  CHECK(dynamic_cast<LocalStorage*>(storage_for("relative/dir").get()) != nullptr);
  CHECK(dynamic_cast<LocalStorage*>(storage_for_targets({"/tmp", "."}).get()) != nullptr);
  CHECK_THROWS_AS(storage_for_targets({"s3://bucket/x", "/tmp"}), UsageError);
  CHECK_THROWS_AS(storage_for("s3://x"), UsageError);
}
