#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "core/json_values.hpp"
#include "core/text/utf8.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/json.hpp"

using namespace jobmon;
namespace json = boost::json;

TEST_CASE("Json: status document has the fixed keys", "[core]") {
  auto j = std::make_shared<JobState>();
  j->path = "/logs/a";
  j->name = "a";
  j->world_size = 5;
  j->done_ranks = {0, 2};
  j->completed = 2;
  j->launched_at = 1700000000;
  j->last_change_at = 1700000100;
  j->marker_mtimes = {1700000050, 1700000100};
  const Aggregate agg = aggregate({j}, 1700000200);
  const json::value doc = json::parse(to_pretty_json(status_document(agg, {Warning{"/logs/x", "not a job"}})));
  const auto& job = doc.at("jobs").at(0).as_object();
  CHECK(job.at("path") == "/logs/a");
  CHECK(job.at("name") == "a");
  CHECK(job.at("world_size") == 5);
  CHECK(job.at("completed") == 2);
  CHECK(job.at("complete") == false);
  CHECK(job.at("incomplete_ranks") == json::array{1, 3, 4});
  CHECK(job.at("incomplete_ranges") == "1,3-4");
  CHECK(job.at("eta_seconds").is_double());
  CHECK(job.at("launched_at") == "2023-11-14T22:13:20Z");
  const auto& summary = doc.at("summary").as_object();
  CHECK(summary.at("jobs_total") == 1);
  CHECK(summary.at("jobs_completed") == 0);
  CHECK(summary.at("tasks_total") == 5);
  CHECK(summary.at("tasks_completed") == 2);
  CHECK(doc.at("warnings").at(0).at("message") == "not a job");
}

TEST_CASE("Json: pretty printer keeps order, writes plain numbers and floats as floats", "[core]") {
  json::object o;
  o["z"] = 1;
  o["a"] = 100.0;
  o["m"] = 0.25;
  o["list"] = json::array{1, 2};
  o["nested"] = json::object{{"k", nullptr}};
  const std::string text = to_pretty_json(o);
  CHECK(text == "{\n  \"z\": 1,\n  \"a\": 100.0,\n  \"m\": 0.25,\n  \"list\": [1,2],\n  \"nested\": {\n    \"k\": null\n  }\n}\n");
  const json::value back = json::parse(text);
  CHECK(back.at("a").to_number<double>() == 100.0);
  CHECK(back.at("m").to_number<double>() == 0.25);
  CHECK(back.at("nested").at("k").is_null());
  // A double reads back as a double (65.0, not 65), an integer as an integer.
  CHECK(back.at("a").is_double());
  CHECK(back.at("z").is_int64());
  CHECK(to_compact_json(json::array{65.0, -3.0, 0.0, 1e20, 1.5e-7, 7}) == "[65.0,-3.0,0.0,1e+20,1.5e-07,7]");
  CHECK(json::parse(to_compact_json(json::array{1e20})).at(0).is_double());
}

TEST_CASE("Json: hostile strings are escaped", "[core]") {
  auto j = std::make_shared<JobState>();
  j->path = "/logs/\"quoted\"\n\x01";
  j->name = "\"quoted\"\n\x01";
  j->world_size = 1;
  const Aggregate agg = aggregate({j}, 0);
  const json::value doc = json::parse(to_pretty_json(status_document(agg, {})));
  CHECK(doc.at("jobs").at(0).at("name") == "\"quoted\"\n\x01");
}

namespace {

std::string json_text(std::string_view s) {
  std::string out;
  jobmon::detail::append_json_string(out, s);
  return out;
}

// Whether every byte of s is part of well-formed UTF-8.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = jobmon::detail::decode_utf8(s, i).length;
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_CASE("Json: strings are always valid UTF-8, stray bytes as \\udcXX", "[core]") {
  CHECK(json_text("") == "\"\"");
  CHECK(json_text("plain name") == "\"plain name\"");
  CHECK(json_text("q\"b\\s") == "\"q\\\"b\\\\s\"");
  CHECK(json_text("\b\f\n\r\t") == "\"\\b\\f\\n\\r\\t\"");
  CHECK(json_text(std::string("\0\x01\x1b\x1f", 4)) == "\"\\u0000\\u0001\\u001b\\u001f\"");
  CHECK(json_text("del\x7f c1\xC2\x9B") == "\"del\\u007f c1\\u009b\"");  // not required by JSON; a terminal acts on them
  CHECK(json_text("日本 \xF0\x9F\x98\x80 \xC2\xA0") == "\"日本 \xF0\x9F\x98\x80 \xC2\xA0\"");
  CHECK(json_text("job_\xff\xfe") == "\"job_\\udcff\\udcfe\"");
  CHECK(json_text("\xC0\x80") == "\"\\udcc0\\udc80\"");           // overlong: two stray bytes
  CHECK(json_text("\xED\xB3\xBF") == "\"\\udced\\udcb3\\udcbf\"");  // an encoded surrogate is not UTF-8
  CHECK(json_text("\xE2\x82x") == "\"\\udce2\\udc82x\"");          // torn sequence, then ASCII
  CHECK(json_text("\xF0\xE2\x82\xAC") == "\"\\udcf0\xE2\x82\xAC\"");  // resynchronises on the euro sign
}

TEST_CASE("Json: the writer's strings parse back exactly, keys included", "[core]") {
  // Every code point class but the stray bytes, which Boost.JSON 1.81's parser
  // refuses as lone surrogates (Python and JavaScript take them: tests/python).
  const std::string nasty = std::string("a\0b", 3) + "\"\\/\x1b[2J\x7f\xC2\x85\xC2\xA0日\xF0\x9F\x98\x80\r\n\t";
  json::object o;
  o[nasty] = nasty;
  o["list"] = json::array{nasty, 1, nullptr};
  for (const std::string& text : {to_pretty_json(o), to_compact_json(o)}) {
    CHECK(valid_utf8(text));
    CHECK(text.find('\x1b') == std::string::npos);
    const json::value back = json::parse(text);
    CHECK(back.at(nasty).as_string() == nasty);
    CHECK(back.at("list").at(0).as_string() == nasty);
  }
}

TEST_CASE("Json: any bytes give valid UTF-8 text", "[core]") {
  std::uint32_t state = 12345;  // a fixed LCG: the same strings every run
  auto next_byte = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<char>(state >> 24);
  };
  for (int n = 0; n < 2000; ++n) {
    std::string s(static_cast<std::size_t>(n % 40), '\0');
    for (char& c : s) c = next_byte();
    json::object o;
    o[s] = s;
    const std::string text = to_compact_json(o);
    INFO(n);
    REQUIRE(valid_utf8(text));
    // Without stray bytes, Boost.JSON reads the string back exactly.
    if (valid_utf8(s)) CHECK(json::parse(text).at(s).as_string() == s);
  }
}
