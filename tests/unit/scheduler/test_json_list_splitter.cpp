// JsonListSplitter: the elements of the root's list handed out exactly,
// whatever the pieces the text arrives in; broken structure refused.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "scheduler/slurm/json_list_splitter.hpp"

using jobmon::detail::JsonListSplitter;

namespace {

struct Split {
  std::vector<std::string> elements;
  int lists = 0;  // how many times the list's key was met
  bool whole = false;
  std::string error;
  bool has_list = false;
};

// `text` fed in pieces of `piece` bytes (0: whole).
Split split(const std::string& text, std::size_t piece = 0, std::size_t stop_after = SIZE_MAX) {
  Split out;
  JsonListSplitter splitter(
      "jobs", 64,
      [&](std::string_view element, std::size_t readable) {
        CHECK(readable >= element.size() + 64);
        out.elements.emplace_back(element);
        return out.elements.size() < stop_after;
      },
      [&] {
        out.elements.clear();
        ++out.lists;
      });
  bool fed = true;
  if (piece == 0) piece = text.size() + 1;
  for (std::size_t at = 0; at < text.size() && fed; at += piece) fed = splitter.feed(std::string_view(text).substr(at, piece));
  out.whole = fed && splitter.finish();
  out.error = splitter.error();
  out.has_list = splitter.has_list();
  return out;
}

// A JSON string of random length whose characters are the ones the scan
// watches: quotes and backslashes (escaped), brackets, braces, commas.
std::string random_string(std::mt19937& rng) {
  static const std::string pick = "ab {}[],:\"\\x";
  std::string s = "\"";
  const std::size_t length = rng() % 150;
  for (std::size_t i = 0; i < length; ++i) {
    const char c = pick[rng() % pick.size()];
    if (c == '"' || c == '\\') s += '\\';
    s += c;
  }
  return s + "\"";
}

std::string random_value(std::mt19937& rng, int depth = 0) {
  switch (depth > 3 ? rng() % 3 : rng() % 5) {
    case 0: return random_string(rng);
    case 1: return std::to_string(static_cast<int>(rng() % 100000) - 50000);
    case 2: return rng() % 2 ? "true" : "null";
    case 3: {
      std::string a = "[";
      for (std::size_t i = 0, n = rng() % 4; i < n; ++i) a += (i ? ", " : "") + random_value(rng, depth + 1);
      return a + "]";
    }
    default: {
      std::string o = "{";
      for (std::size_t i = 0, n = rng() % 5; i < n; ++i) {
        o += (i ? ",\n  " : "") + random_string(rng) + ": " + random_value(rng, depth + 1);
      }
      return o + "}";
    }
  }
}

}  // namespace

TEST_CASE("every element handed out exactly, whatever the pieces", "[scheduler]") {
  std::mt19937 rng(42);
  for (int round = 0; round < 60; ++round) {
    std::vector<std::string> elements;
    std::string text = "{\"meta\": " + random_value(rng) + ",\n \"jobs\": [\n";
    for (std::size_t i = 0, n = rng() % 12; i < n; ++i) {
      elements.push_back(random_value(rng));
      text += (i ? ",\n    " : "    ") + elements.back();
    }
    text += "\n ], \"errors\": " + random_value(rng) + "}\n";
    for (std::size_t piece : {0, 1, 2, 5, 63, 64, 65, 127, 4096}) {
      INFO(text << "\nin pieces of " << piece);
      const Split s = split(text, piece);
      CHECK(s.whole);
      CHECK(s.error.empty());
      CHECK(s.has_list);
      CHECK(s.lists == 1);
      CHECK(s.elements == elements);
    }
  }
}

TEST_CASE("brackets and quotes inside strings at every place in a 64-byte block", "[scheduler]") {
  for (std::size_t pad = 0; pad < 70; ++pad) {
    const std::string element =
        "{\"a\": \"" + std::string(pad, 'x') + "}]\\\"{[\\\\\", \"b\": [\"]\", {\"c\": \"\\\\\"}], \"d\": {}}";
    const std::string text = "{\"jobs\": [" + element + ", " + element + "]}";
    for (std::size_t piece : {0, 1, 64}) {
      INFO(text << "\nin pieces of " << piece);
      const Split s = split(text, piece);
      CHECK(s.whole);
      CHECK(s.elements == std::vector<std::string>{element, element});
    }
  }
}

TEST_CASE("the list's members and the root's other members in any order and shape", "[scheduler]") {
  CHECK(split("{}").whole);
  CHECK_FALSE(split("{}").has_list);
  CHECK(split(R"({"jobs": []})").has_list);
  CHECK(split(R"({"jobs": []})").elements.empty());
  const Split scalars = split(R"({"a": 1, "jobs": [1, -2.5e3, "x]", true, null, [], {}], "b": "}"})");
  CHECK(scalars.whole);
  CHECK(scalars.elements == std::vector<std::string>{"1", "-2.5e3", "\"x]\"", "true", "null", "[]", "{}"});
  // Of duplicate keys the last counts; one that is not a list is no list.
  const Split twice = split(R"({"jobs": [1], "jobs": [2, 3]})");
  CHECK(twice.lists == 2);
  CHECK(twice.elements == std::vector<std::string>{"2", "3"});
  const Split not_list = split(R"({"jobs": [1], "jobs": {"a": [2]}})");
  CHECK(not_list.whole);
  CHECK_FALSE(not_list.has_list);
  CHECK(not_list.elements.empty());
  // A key with escapes is not the list's; an escaped quote ends no key.
  CHECK_FALSE(split(R"({"job\"s": [1]})").has_list);
  CHECK(split(" \n\t{\"jobs\"\n:\n[\n1\n]\n}\n\n").elements == std::vector<std::string>{"1"});
}

TEST_CASE("broken structure is refused, and a reader can stop", "[scheduler]") {
  const std::vector<std::string> broken = {
      "", "  ", "[]", "null", "{", "{\"jobs\": [1, 2", "{\"jobs\": [1,]}", "{\"jobs\": [{]}", "{\"jobs\": [[}]}",
      "{\"jobs\" [1]}", "{\"jobs\": [1] \"a\": 2}", "{\"jobs\": [1]} x", "{\"jobs\": [1]}{}", "{jobs: [1]}",
      "{\"a\": }", "{\"jobs\": [\\1]}", "{\"jobs\": [{\"a\": 1 \\}]}", std::string("{\"jobs\": [\0]}", 14),
      "{\"meta\": \"\xff\", \"jobs\": []}", "{\"jobs\": [\"never closed]}"};
  for (const std::string& bad : broken) {
    for (std::size_t piece : {0, 1, 3}) {
      INFO(bad << " in pieces of " << piece);
      const Split s = split(bad, piece);
      CHECK_FALSE(s.whole);
      CHECK_FALSE(s.error.empty());
    }
  }
  // Every cut of a good text is refused, at finish if not before.
  const std::string good = R"({"meta": {"v": [1, 2]}, "jobs": [{"a": "}"}, [3], "x"], "errors": []})";
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    INFO("cut at " << cut);
    CHECK_FALSE(split(good.substr(0, cut)).whole);
  }
  const Split stopped = split(good, 0, 1);
  CHECK_FALSE(stopped.whole);
  CHECK(stopped.elements.size() == 1);
  CHECK(stopped.error == "stopped by the element's reader");
}
