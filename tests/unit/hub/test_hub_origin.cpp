// origin_of: the key that decides where the Hub token may go (a request's
// own origin, pagination links that must stay on the Hub). One host has one
// origin, an origin read again is itself, and a URL written any other way
// than "scheme://host" has none, so it never matches and gets no token.
#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "fake_hub.hpp"
#include "hub/hub_http.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using detail::origin_of;

TEST_CASE("origin_of: scheme, host and port, in one spelling", "[hub]") {
  CHECK(origin_of("https://huggingface.co/api/datasets/x") == "https://huggingface.co:443");
  CHECK(origin_of("HTTPS://HuggingFace.CO:443/api") == "https://huggingface.co:443");
  CHECK(origin_of("https://hf.co:0443") == "https://hf.co:443");  // leading zeros of the port
  CHECK(origin_of("https://hf.co:/x") == "https://hf.co:443");    // an empty port is the default
  CHECK(origin_of("http://hf.co") == "http://hf.co:80");
  CHECK(origin_of("http://hf.co:8080/a?b#c") == "http://hf.co:8080");
  CHECK(origin_of("https://hf.co?x=1") == "https://hf.co:443");
  CHECK(origin_of("http://user:secret@hf.co/") == "http://hf.co:80");  // user info is not part of it
  CHECK(origin_of("http://us%40er@hf.co/") == "http://hf.co:80");      // escapes there are fine
  CHECK(origin_of("http://[::1]:8080/") == "http://[::1]:8080");
  // IPv4 numbers in curl's spelling, as curl connects to them.
  CHECK(origin_of("http://0x7f.1/") == "http://127.0.0.1:80");
  CHECK(origin_of("http://9:80") == "http://0.0.0.9:80");
  CHECK(origin_of("gopher://x:70/") == "gopher://x:70");  // for messages about refused redirects
}

TEST_CASE("origin_of: a URL not written scheme://host has no origin", "[hub]") {
  const std::vector<std::string> malformed = {
      "HTTP:/%39/#",       // found by fuzz_hub_headers: curl read it as host 9, origin http://9:80
      "http://%39/",       // percent-encoded host bytes: curl decodes them but not as an IPv4 number
      "http://ex%61mple.com/",
      "http://[fe80::1%25eth0]/",  // an IPv6 zone: a local interface, never the Hub
      "http:/hf.co/",       // one slash: curl is lenient, a comparison must not be
      "http:///hf.co/",     // three
      "http:\\\\hf.co/",
      "hf.co/api",          // no scheme
      "://hf.co",
      " http://hf.co",
      "http://",
      "http://?x",
      "file:///etc/passwd",  // no host
      "",
      "http://a@evil.example@hf.co/",  // which '@' ends the user info is a guess
      "http://b\xc3\xbc" "cher.example/",  // bytes beyond ASCII (curl may or may not punycode them)
      "http://hf.co/\x7f",
      "http://hf.co\t/",
  };
  for (const std::string& url : malformed) {
    INFO(url);
    CHECK(origin_of(url).empty());
  }
  // Found by fuzz_hub_headers (--explore): curl stops at a NUL byte, the
  // string goes on; the host curl read was one no check had looked at.
  const std::string with_nul("http://user@hf.co%41\0@x.example/", 32);
  CHECK(origin_of(with_nul).empty());
  CHECK(origin_of(std::string("https://hf.co/\0", 15)).empty());
}

TEST_CASE("origin_of: user info and paths do not change the origin", "[hub]") {
  CHECK(origin_of("https://hf.co/a%20b?c=%41#d") == "https://hf.co:443");
  CHECK(origin_of("https://x:y@hf.co") == "https://hf.co:443");
}

TEST_CASE("origin_of: what curl refuses has no origin", "[hub]") {
  const std::vector<std::string> malformed = {"http://[::1/", "http://hf.co:80:81/", "http://hf.co:+80/", "http://:80/"};
  for (const std::string& url : malformed) {
    INFO(url);
    CHECK(origin_of(url).empty());
  }
}

TEST_CASE("origin_of: an origin is its own origin", "[hub]") {
  const std::vector<std::string> urls = {"HTTPS://HF.co:0443/x", "http://9:80", "http://0x7f.1:8080/", "http://[::1]/",
                                         "http://user@Example.COM:81/p", "gopher://x/", "https://hf.co."};
  for (const std::string& url : urls) {
    const std::string origin = origin_of(url);
    INFO(url << " -> " << origin);
    REQUIRE_FALSE(origin.empty());
    CHECK(origin_of(origin) == origin);
  }
}

TEST_CASE("HubHttpSession: a URL without an origin is sent without the token", "[hub]") {
  test::TempTree tree;
  tree.mkdir("org/ds");
  test::FakeHub hub(tree.root(), "hf_secret");
  HubConfig config;
  config.endpoint = hub.endpoint();
  config.token = "hf_secret";
  config.retry.max_tries = 1;
  HubCounters counters;
  detail::HubHttpSession session(config, counters);
  // curl reaches the same server through "http:/127.0.0.1:N", but that
  // spelling has no origin: "" must not count as the origin it started at.
  const std::string path = "/api/datasets/org/ds/revision/main";
  detail::HubHttpRequest plain, lenient;
  plain.url = hub.endpoint() + path;
  lenient.url = "http:/127.0.0.1:" + std::to_string(hub.port()) + path;
  const auto responses = session.run({plain, lenient}, 1);
  REQUIRE(responses.size() == 2);
  CHECK(responses[0].status != 0);
  CHECK(responses[1].status != 0);
  const boost::json::array log = hub.log();
  REQUIRE(log.size() == 2);
  CHECK(log[0].at("auth").as_bool());
  CHECK_FALSE(log[1].at("auth").as_bool());
}
