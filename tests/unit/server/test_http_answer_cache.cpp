// AnswerCache: filtered /api/jobs pages kept for the registry state they were
// rendered from, and never served for another.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "server/http/answer_cache.hpp"

using jobmon::detail::AnswerCache;

namespace {
AnswerCache::Answer answer(const std::string& text) { return {std::make_shared<const std::string>(text), "\"" + text + "\""}; }
}  // namespace

TEST_CASE("AnswerCache: a hit only for the same key, state and refresh time", "[server]") {
  AnswerCache cache(4);
  auto state = std::make_shared<const int>(1);
  cache.store("status=failed", state, 10.0, answer("a"));
  const auto hit = cache.find("status=failed", state, 10.0);
  REQUIRE(hit.has_value());
  CHECK(*hit->body == "a");
  CHECK(hit->etag == "\"a\"");
  CHECK_FALSE(cache.find("status=running", state, 10.0).has_value());  // another filter
  CHECK_FALSE(cache.find("status=failed", state, 11.0).has_value());   // a later refresh, same list
  auto other = std::make_shared<const int>(1);
  CHECK_FALSE(cache.find("status=failed", other, 10.0).has_value());  // another list (equal contents do not count)
  state.reset();  // the list a refresh replaced is gone: its answers can never match again
  auto reborn = std::make_shared<const int>(2);
  CHECK_FALSE(cache.find("status=failed", reborn, 10.0).has_value());
}

TEST_CASE("AnswerCache: bounded in answers and in body size", "[server]") {
  AnswerCache cache(2, 8);
  auto state = std::make_shared<const int>(1);
  cache.store("a", state, 1.0, answer("a"));
  cache.store("b", state, 1.0, answer("b"));
  cache.store("c", state, 1.0, answer("c"));  // the oldest goes
  CHECK_FALSE(cache.find("a", state, 1.0).has_value());
  CHECK(cache.find("b", state, 1.0).has_value());
  CHECK(cache.find("c", state, 1.0).has_value());
  cache.store("big", state, 1.0, answer("123456789"));  // over 8 bytes: not kept
  CHECK_FALSE(cache.find("big", state, 1.0).has_value());
  cache.store("b", state, 1.0, answer("b2"));  // a key's new answer replaces its old one
  CHECK(*cache.find("b", state, 1.0)->body == "b2");
  cache.store("d", state, 2.0, answer("d"));  // a newer refresh drops the older refresh's answers
  CHECK_FALSE(cache.find("c", state, 1.0).has_value());
  CHECK(cache.find("d", state, 2.0).has_value());
}
