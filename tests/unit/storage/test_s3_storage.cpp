// S3Storage over a real libcurl against endpoints that fail at the network
// level (a closed port on loopback): retries, clear errors, and stat's
// never-throw contract. Answers from a real S3 server are tested end to end
// in tests/e2e/test_s3.sh.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "jobmon/error.hpp"
#include "jobmon/storage/s3_storage.hpp"

using namespace jobmon;

namespace {

// A loopback port with nothing listening: bind, read the port, close.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

S3Storage unreachable_storage(unsigned attempts) {
  S3Config config;
  config.endpoint = "http://127.0.0.1:" + std::to_string(closed_port());
  config.path_style = true;
  config.access_key_id = "AKIATEST";
  config.secret_access_key = "never-shown-secret";
  S3Options options;
  options.max_attempts = attempts;
  options.first_backoff_seconds = 0.001;
  return S3Storage(config, options);
}

}  // namespace

TEST_CASE("S3 storage: connection errors are retried, then reported clearly", "[storage]") {
  S3Storage storage = unreachable_storage(3);
  try {
    storage.check_access("s3://bucket/run");
    FAIL("no error from a closed port");
  } catch (const StorageError& e) {
    const std::string message = e.what();
    CHECK(message.find("cannot reach S3 endpoint http://127.0.0.1:") != std::string::npos);
    CHECK(message.find("never-shown-secret") == std::string::npos);
  }
  CHECK(storage.requests() == 3);  // the first try and two retries
  CHECK(storage.counters().lists == 1);
}

TEST_CASE("S3 storage: stat never throws, list and read do", "[storage]") {
  S3Storage storage = unreachable_storage(1);
  CHECK(storage.stat("s3://bucket/run/job/executor.json").type == EntryType::missing);
  CHECK(storage.stat("s3://bucket").type == EntryType::missing);
  CHECK(storage.stat("not-an-s3-url").type == EntryType::missing);
  CHECK_THROWS_AS(storage.list("s3://bucket/run"), StorageError);
  CHECK_THROWS_AS(storage.read("s3://bucket/run/executor.json"), StorageError);
  CHECK_THROWS_AS(storage.read_range("s3://bucket/run/log", 10, 100), StorageError);
  CHECK(storage.read_range("s3://bucket/run/log", 10, 0).empty());  // nothing asked, nothing sent
  CHECK_THROWS_AS(storage.list("s3://x/run"), UsageError);  // malformed bucket
  CHECK(storage.list_includes_mtime());
}

TEST_CASE("S3 storage: joins keep the URL form", "[storage]") {
  S3Storage storage = unreachable_storage(1);
  CHECK(storage.join("s3://bucket", "run") == "s3://bucket/run");
  CHECK(storage.join("s3://bucket/run/", "job") == "s3://bucket/run/job");
  CHECK(base_name("s3://bucket/run/job") == "job");
}
