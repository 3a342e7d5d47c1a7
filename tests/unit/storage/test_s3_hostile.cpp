// S3Storage against a server that misbehaves on purpose
// (tests/support/hostile_http.py speaks just enough ListObjectsV2): a listing
// that never ends, a body trickled at 2 B/s, SlowDown with Retry-After: 300,
// and an endpoint that is not http(s). Each ends within generous bounds
// with a message that names the prefix and what happened.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "fake_hub.hpp"
#include "jobmon/error.hpp"
#include "jobmon/storage/s3_storage.hpp"

using namespace jobmon;
using Catch::Matchers::Contains;

namespace {

using Clock = std::chrono::steady_clock;

S3Storage storage_at(const std::string& endpoint, S3Options options = {}) {
  S3Config config;
  config.endpoint = endpoint;
  config.path_style = true;
  config.access_key_id = "AKIATEST";
  config.secret_access_key = "never-shown-secret";
  return S3Storage(config, options);
}

// What list() threw, and how long it took to throw it.
std::pair<std::string, double> list_error(const S3Storage& storage, const std::string& dir) {
  const auto start = Clock::now();
  try {
    storage.list(dir);
  } catch (const std::exception& e) {
    return {e.what(), std::chrono::duration<double>(Clock::now() - start).count()};
  }
  return {"(no error)", std::chrono::duration<double>(Clock::now() - start).count()};
}

}  // namespace

TEST_CASE("S3 listing that never ends is refused by pages, keys or deadline, naming the prefix", "[storage]") {
  test::HostileServer server;
  SECTION("pages") {
    S3Options options;
    options.max_list_pages = 20;
    const S3Storage storage = storage_at(server.endpoint("s3-endless"), options);
    const auto [message, seconds] = list_error(storage, "s3://bucket/run/completions");
    CHECK_THAT(message, Contains("s3://bucket/run/completions/"));
    CHECK_THAT(message, Contains("S3 listing refused after 20 pages (20000 keys): it does not end (max_list_pages is 20)"));
    CHECK(storage.counters().lists == 20);
    CHECK(seconds < 30);
  }
  SECTION("keys") {
    S3Options options;
    options.max_list_keys = 2500;
    const S3Storage storage = storage_at(server.endpoint("s3-endless"), options);
    CHECK_THAT(list_error(storage, "s3://bucket/run").first,
               Contains("S3 listing refused after 3000 keys on 3 pages (max_list_keys is 2500)"));
  }
  SECTION("deadline") {
    S3Options options;
    options.listing_deadline_seconds = 1;
    options.max_list_keys = 1'000'000'000;
    options.max_list_pages = 1'000'000;
    const S3Storage storage = storage_at(server.endpoint("s3-endless"), options);
    const auto [message, seconds] = list_error(storage, "s3://bucket/run");
    // Between pages ("not complete after 1 s") or during one ("stopped by"): the deadline either way.
    CHECK_THAT(message, Contains("s3://bucket/run/"));
    CHECK_THAT(message, Contains("the listing deadline of 1 s"));
    CHECK(seconds < 10);
  }
}

TEST_CASE("S3 body trickled at 2 B/s ends at the listing deadline and says the server answered", "[storage]") {
  test::HostileServer server;
  S3Options options;
  options.listing_deadline_seconds = 2;
  options.first_backoff_seconds = 0.01;
  const S3Storage storage = storage_at(server.endpoint("trickle"), options);
  const auto [message, seconds] = list_error(storage, "s3://bucket/run");
  CHECK(seconds < 10);
  CHECK(message.find("cannot reach") == std::string::npos);
  CHECK_THAT(message, Contains("timed out after the server answered HTTP 200"));
  CHECK_THAT(message, Contains("stopped by the listing deadline of 2 s"));
}

TEST_CASE("S3 each try has its own timeout; a slow answer is not 'cannot reach'", "[storage]") {
  test::HostileServer server;
  S3Options options;
  options.request_timeout_seconds = 1;
  options.max_attempts = 2;
  options.first_backoff_seconds = 0.01;
  const S3Storage storage = storage_at(server.endpoint("trickle"), options);
  const auto [message, seconds] = list_error(storage, "s3://bucket/run");
  CHECK(seconds < 10);
  CHECK_THAT(message, Contains("S3 endpoint " + server.endpoint("trickle") + " timed out after the server answered HTTP 200"));
  CHECK_THAT(message, Contains("(2 tries)"));
}

TEST_CASE("S3 a page's tries end at the request deadline, and the message names that deadline", "[storage]") {
  test::HostileServer server;
  S3Options options;
  options.request_deadline_seconds = 2;
  options.first_backoff_seconds = 0.01;
  const S3Storage storage = storage_at(server.endpoint("trickle"), options);
  const auto [message, seconds] = list_error(storage, "s3://bucket/run");
  CHECK(seconds < 10);
  CHECK_THAT(message, Contains("timed out after the server answered HTTP 200"));
  CHECK_THAT(message, Contains("stopped by the request deadline of 2 s"));
}

TEST_CASE("S3 SlowDown retries stop at the deadline instead of sleeping on", "[storage]") {
  test::HostileServer server;
  S3Options options;
  options.listing_deadline_seconds = 2;
  options.first_backoff_seconds = 5;  // more than the deadline leaves
  const S3Storage storage = storage_at(server.endpoint("retry-after"), options);
  const auto [message, seconds] = list_error(storage, "s3://bucket/run");
  CHECK(seconds < 10);
  CHECK_THAT(message, Contains("SlowDown"));
  CHECK_THAT(message, Contains("(1 try); stopped by the listing deadline of 2 s"));
}

TEST_CASE("S3 endpoints other than http(s) are refused: nothing reaches the port", "[storage]") {
  test::HostileServer server;
  S3Options options;
  options.max_attempts = 1;
  const S3Storage storage = storage_at("gopher://127.0.0.1:" + std::to_string(server.sink_port()), options);
  const auto [message, seconds] = list_error(storage, "s3://bucket/run");
  CHECK(seconds < 10);
  CHECK_THAT(message, Contains("s3://bucket/run/"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the sink counts asynchronously
  CHECK(server.sink().at("connections").as_int64() == 0);
  CHECK(server.sink().at("bytes").as_int64() == 0);
}
