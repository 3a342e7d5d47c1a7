#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>

#include "jobmon/error.hpp"
#include "jobmon/training/trainer_state.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

const std::string fixtures = std::string(JOBMON_FIXTURES_DIR) + "/training/";

const json::object& manifest() {
  static const json::value document = json::parse(test::read_text(fixtures + "MANIFEST.json"));
  return document.as_object();
}

// Every trainer_state.json of the manifest: its path and expected values.
std::vector<std::pair<std::string, const json::object*>> manifest_trainer_states() {
  std::vector<std::pair<std::string, const json::object*>> out;
  for (const json::value& artifact : manifest().at("artifacts").as_array()) {
    const json::object& expected = artifact.at("expected").as_object();
    const json::value* states = expected.if_contains("trainer_states");
    if (states == nullptr) continue;
    const std::string dir = json::value_to<std::string>(artifact.at("dir"));
    for (const auto& kv : states->as_object()) {
      out.emplace_back(fixtures + dir + "/" + std::string(kv.key()), &kv.value().as_object());
    }
  }
  return out;
}

bool absent(const json::value& v) { return v.is_null() || (v.is_string() && v.get_string() == "<absent>"); }

// Equal to a few ULPs: the manifest and the file spell the same numbers,
// but this test reads the manifest with Boost.JSON 1.81's DOM, which rounds
// some decimals one ULP off (the reader itself rounds exactly).
void check_number(const json::value& expected, std::optional<double> actual) {
  if (absent(expected)) {
    CHECK_FALSE(actual);
    return;
  }
  REQUIRE(actual);
  CHECK(*actual == Approx(expected.to_number<double>()).epsilon(1e-14).margin(0));
}

void check_integer(const json::value& expected, std::optional<std::int64_t> actual) {
  if (absent(expected)) {
    CHECK_FALSE(actual);
    return;
  }
  REQUIRE(actual);
  CHECK(*actual == expected.to_number<std::int64_t>());
}

const MetricSeries* find_series(const TrainerState& s, std::string_view key) {
  const auto it = s.series.find(key);
  return it == s.series.end() ? nullptr : &it->second;
}

std::optional<double> last_of(const TrainerState& s, std::string_view key) {
  const MetricSeries* series = find_series(s, key);
  return series != nullptr ? std::optional<double>(series->last().value) : std::nullopt;
}

std::optional<double> final_of(const TrainerState& s, std::string_view key) {
  const auto it = s.final_values.find(key);
  return it == s.final_values.end() ? std::nullopt : std::optional<double>(it->second);
}

using Check = std::function<void(const json::value&, const TrainerState&)>;

// What each manifest key says about the parsed state; keys the header does
// not expose (file bytes, trial_*, the writer's era...) are listed as such,
// and a key the test does not know fails, so new manifest fields are seen.
const std::map<std::string, Check>& checks() {
  static const std::map<std::string, Check> table = {
      {"global_step", [](auto& e, auto& s) { check_integer(e, s.global_step); }},
      {"max_steps", [](auto& e, auto& s) { check_integer(e, s.max_steps); }},
      {"epoch", [](auto& e, auto& s) { check_number(e, s.epoch); }},
      {"num_train_epochs",
       [](auto& e, auto& s) {
         if (!absent(e) && e.template to_number<double>() > 1e12) {
           CHECK(s.epochs_unbounded);
           CHECK_FALSE(s.num_train_epochs);
         } else {
           CHECK_FALSE(s.epochs_unbounded);
           check_number(e, s.num_train_epochs);
         }
       }},
      {"logging_steps", [](auto& e, auto& s) { check_integer(e, s.logging_steps); }},
      {"eval_steps", [](auto& e, auto& s) { check_integer(e, s.eval_steps); }},
      {"save_steps", [](auto& e, auto& s) { check_integer(e, s.save_steps); }},
      {"train_batch_size", [](auto& e, auto& s) { check_integer(e, s.train_batch_size); }},
      {"total_flos", [](auto& e, auto& s) { check_number(e, s.total_flos); }},
      {"best_metric", [](auto& e, auto& s) { check_number(e, s.best_metric); }},
      {"best_model_checkpoint",
       [](auto& e, auto& s) {
         if (absent(e)) CHECK_FALSE(s.best_model_checkpoint);
         else CHECK(s.best_model_checkpoint == std::optional<std::string>(json::value_to<std::string>(e)));
       }},
      {"best_global_step", [](auto& e, auto& s) { check_integer(e, s.best_global_step); }},
      {"num_input_tokens_seen", [](auto& e, auto& s) { check_integer(e, s.num_input_tokens_seen); }},
      {"should_training_stop",
       [](auto& e, auto& s) {
         if (absent(e)) CHECK_FALSE(s.should_training_stop);
         else CHECK(s.should_training_stop == std::optional<bool>(e.as_bool()));
       }},
      {"log_history_len", [](auto& e, auto& s) { CHECK(s.log_entries == e.template to_number<std::uint64_t>()); }},
      {"n_train_logs", [](auto& e, auto& s) { CHECK(s.train_entries == e.template to_number<std::uint64_t>()); }},
      {"n_eval_logs", [](auto& e, auto& s) { CHECK(s.eval_entries == e.template to_number<std::uint64_t>()); }},
      {"n_final_entries", [](auto& e, auto& s) { CHECK(s.final_entries == e.template to_number<std::uint64_t>()); }},
      {"n_other_entries", [](auto& e, auto& s) { CHECK(s.other_entries == e.template to_number<std::uint64_t>()); }},
      {"has_final_entry", [](auto& e, auto& s) { CHECK(s.has_final_entry() == e.as_bool()); }},
      {"first_train_step",
       [](auto& e, auto& s) {
         const MetricSeries* loss = find_series(s, "loss");
         check_integer(e, loss != nullptr ? std::optional<std::int64_t>(loss->first().step) : std::nullopt);
       }},
      {"last_train_step",
       [](auto& e, auto& s) {
         const MetricSeries* loss = find_series(s, "loss");
         check_integer(e, loss != nullptr ? std::optional<std::int64_t>(loss->last().step) : std::nullopt);
       }},
      {"last_train_loss", [](auto& e, auto& s) { check_number(e, last_of(s, "loss")); }},
      {"last_learning_rate", [](auto& e, auto& s) { check_number(e, last_of(s, "learning_rate")); }},
      {"last_grad_norm", [](auto& e, auto& s) { check_number(e, last_of(s, "grad_norm")); }},
      {"has_grad_norm", [](auto& e, auto& s) { CHECK((find_series(s, "grad_norm") != nullptr) == e.as_bool()); }},
      {"last_eval_step", [](auto& e, auto& s) { check_integer(e, s.last_eval_step); }},
      {"eval_metrics_last",
       [](auto& e, auto& s) {
         for (const auto& kv : e.as_object()) {
           INFO(kv.key());
           check_number(kv.value(), last_of(s, kv.key()));
         }
       }},
      {"eval_metric_names",
       [](auto& e, auto& s) {
         std::set<std::string> expected, actual;
         for (const json::value& name : e.as_array()) expected.insert(json::value_to<std::string>(name));
         for (const auto& [key, series] : s.series) {
           if (key.starts_with("eval_")) actual.insert(key);
         }
         CHECK(actual == expected);
       }},
      {"train_runtime", [](auto& e, auto& s) { check_number(e, final_of(s, "train_runtime")); }},
      {"train_loss", [](auto& e, auto& s) { check_number(e, final_of(s, "train_loss")); }},
      {"final_step", [](auto& e, auto& s) { check_integer(e, s.final_step); }},
      {"max_log_step",
       [](auto& e, auto& s) {
         std::optional<std::int64_t> max = s.final_step;
         for (const auto& [key, series] : s.series) max = std::max(max.value_or(series.max_step()), series.max_step());
         check_integer(e, max);
       }},
      {"progress",
       [](auto& e, auto& s) {
         if (absent(e)) CHECK((!s.max_steps || *s.max_steps == 0));
         else check_number(e, static_cast<double>(*s.global_step) / static_cast<double>(*s.max_steps));
       }},
      {"reached_max_steps",
       [](auto& e, auto& s) { CHECK((s.global_step && s.max_steps && *s.global_step >= *s.max_steps) == e.as_bool()); }},
      {"finished",
       [](auto& e, auto& s) {
         const bool reached = s.global_step && s.max_steps && *s.global_step >= *s.max_steps;
         CHECK((s.has_final_entry() || reached) == e.as_bool());
       }},
      {"nan_or_inf_values",
       [](auto& e, auto& s) {
         std::uint64_t non_finite = 0;
         for (const auto& [key, series] : s.series) non_finite += series.non_finite();
         CHECK(non_finite == e.as_array().size());
       }},
      {"non_numeric_values", [](auto& e, auto& s) { CHECK(s.skipped_values == e.as_array().size()); }},
  };
  return table;
}

// Manifest keys about the file or the writer that TrainerState does not hold.
const std::set<std::string> not_exposed = {
    "bytes", "crlf", "trailing_newline", "top_keys", "is_hyper_param_search", "trial_name", "trial_params",
    "is_local_process_zero", "is_world_process_zero", "stateful_callbacks", "writer", "version_evidence",
    "steps_monotonic", "stopped_early_with_final_entry", "extra_train_log_keys", "n_entries_without_step"};

std::string big_log_history(std::size_t target_bytes) {
  std::string text = "{\"global_step\": 1, \"max_steps\": 10, \"log_history\": [\n";
  std::int64_t step = 0;
  while (text.size() < target_bytes) {
    ++step;
    text += "{\"epoch\": 0.01, \"grad_norm\": 1.25, \"learning_rate\": 1e-05, \"loss\": 2.5, \"step\": " +
            std::to_string(step) + "},\n";
  }
  text += "{\"eval_loss\": 1.5, \"step\": " + std::to_string(step) + "}]}\n";
  return text;
}

}  // namespace

TEST_CASE("TrainerState: every trainer_state.json of the manifest", "[training]") {
  const auto states = manifest_trainer_states();
  REQUIRE(states.size() == 35);
  for (const auto& [path, expected] : states) {
    INFO(path);
    const TrainerState state = parse_trainer_state(test::read_text(path));
    for (const auto& kv : *expected) {
      const std::string key(kv.key());
      INFO(key);
      if (not_exposed.count(key) != 0) continue;
      const auto check = checks().find(key);
      if (check == checks().end()) FAIL("a manifest key this test does not know: " << key);
      else check->second(kv.value(), state);
    }
    // The final entry's values are not series.
    if (state.has_final_entry()) CHECK(state.series.count("train_runtime") == 0);
    CHECK(state.series.count("step") == 0);
  }
}

TEST_CASE("TrainerState: sys.maxsize epochs, CRLF and an era without optional keys", "[training]") {
  const TrainerState flemish =
      parse_trainer_state(test::read_text(fixtures + "hf/hf-whisper-flemish-iterable/trainer_state.json"));
  CHECK(flemish.epochs_unbounded);
  CHECK_FALSE(flemish.num_train_epochs);
  CHECK_FALSE(flemish.logging_steps);
  CHECK_FALSE(flemish.should_training_stop);

  const TrainerState crlf = parse_trainer_state(
      test::read_text(fixtures + "hf/hf-sentiment-crlf-best-step/trainer_state.json"));
  REQUIRE(crlf.log_entries > 0);
  CHECK(crlf.best_global_step);
  CHECK(crlf.should_training_stop == std::optional<bool>(true));
  CHECK(crlf.eval_entries > 0);
}

TEST_CASE("TrainerState: NaN, Infinity and -Infinity read as numbers", "[training]") {
  const std::string text =
      "{\"log_history\": [{\"loss\": NaN, \"grad_norm\": Infinity, \"step\": 1},\n"
      " {\"loss\": 2.0, \"grad_norm\": -Infinity, \"note\": \"NaN Infinity\", \"step\": 2},\n"
      " {\"eval_loss\": NaN, \"step\": 2}], \"best_metric\": -Infinity, \"best_model_checkpoint\": \"x/NaN\"}";
  const TrainerState s = parse_trainer_state(text);
  CHECK(s.train_entries == 2);
  CHECK(s.eval_entries == 1);
  const MetricSeries& loss = s.series.at("loss");
  CHECK(loss.count() == 2);
  CHECK(loss.non_finite() == 1);
  CHECK(std::isnan(loss.first().value));
  CHECK(loss.best()->value == 2.0);
  const MetricSeries& grad = s.series.at("grad_norm");
  CHECK(grad.first().value == std::numeric_limits<double>::infinity());
  CHECK(grad.last().value == -std::numeric_limits<double>::infinity());
  CHECK(std::isnan(s.series.at("eval_loss").last().value));
  CHECK(s.best_metric == -std::numeric_limits<double>::infinity());
  CHECK(s.best_model_checkpoint == std::optional<std::string>("x/NaN"));
  CHECK(s.skipped_values == 1);  // the string "note"
  CHECK(s.series.count("note") == 0);

  // A string that only looks like the tokens stays a string.
  const TrainerState quoted = parse_trainer_state("{\"best_metric\": \"NaN\", \"epoch\": \"-Infinity\"}");
  CHECK_FALSE(quoted.best_metric);
  CHECK_FALSE(quoted.epoch);
  CHECK(quoted.skipped_values == 2);
}

TEST_CASE("TrainerState: steps missing, as doubles, as fractions; strings skipped", "[training]") {
  const std::string text =
      "{\"global_step\": 30.0, \"max_steps\": \"100\", \"log_history\": [\n"
      " {\"loss\": 3.0},\n"
      " {\"loss\": 2.0, \"step\": 10.0, \"rewards/format-reward/mean\": 0.5},\n"
      " {\"loss\": 1.5, \"learning_rate\": \"1e-5\"},\n"
      " {\"loss\": 1.0, \"step\": 20.5},\n"
      " {\"loss\": 0.5, \"step\": 30, \"extra\": {\"a\": 1}, \"flag\": true, \"none\": null},\n"
      " {\"predict_loss\": 0.7, \"step\": 30},\n"
      " 7,\n"
      " {\"train_runtime\": 12.5, \"train_loss\": 1.6, \"epoch\": 1.0, \"step\": 30}]}";
  const TrainerState s = parse_trainer_state(text);
  CHECK(s.global_step == 30);
  CHECK_FALSE(s.max_steps);
  CHECK(s.log_entries == 7);
  CHECK(s.train_entries == 5);
  CHECK(s.other_entries == 1);
  CHECK(s.final_entries == 1);
  const MetricSeries& loss = s.series.at("loss");
  REQUIRE(loss.count() == 5);
  const auto points = loss.points();
  REQUIRE(points.size() == 5);
  CHECK(points[0].step == 0);   // no step before: 0
  CHECK(points[1].step == 10);  // 10.0 is 10
  CHECK(points[2].step == 10);  // missing: the previous entry's
  CHECK(points[3].step == 10);  // 20.5 is not a step
  CHECK(points[4].step == 30);
  CHECK(s.series.at("rewards/format-reward/mean").last().value == 0.5);
  CHECK(s.series.at("rewards/format-reward/mean").goal() == MetricGoal::higher);
  CHECK(s.series.count("learning_rate") == 0);
  CHECK(s.series.at("predict_loss").last().step == 30);
  CHECK(s.final_step == 30);
  CHECK(s.final_values.at("train_runtime") == 12.5);
  CHECK(s.final_values.at("epoch") == 1.0);
  CHECK(s.series.count("epoch") == 0);  // only in the final entry
  // "100", "1e-5", 20.5, an object, true, null and the entry 7.
  CHECK(s.skipped_values == 7);
}

TEST_CASE("TrainerState: decimals are read to the nearest double", "[training]") {
  // Spellings that a fast, inexact conversion rounds one ULP off.
  const TrainerState s = parse_trainer_state(
      "{\"log_history\": [{\"loss\": 0.30000000000000004, \"learning_rate\": 2.2250738585072014e-308,"
      " \"grad_norm\": 9007199254740993.0, \"epoch\": 1.7976931348623157e308, \"step\": 1}]}");
  CHECK(s.series.at("loss").last().value == 0.30000000000000004);
  CHECK(s.series.at("learning_rate").last().value == 2.2250738585072014e-308);
  CHECK(s.series.at("grad_norm").last().value == 9007199254740992.0);
  CHECK(s.series.at("epoch").last().value == 1.7976931348623157e308);
}

TEST_CASE("TrainerState: a key written twice counts its last value, as json.load does", "[training]") {
  const TrainerState s = parse_trainer_state(
      "{\"global_step\": 1, \"global_step\": 2, \"log_history\": ["
      "{\"loss\": 1.0, \"step\": 1, \"loss\": 2.0, \"step\": 3, \"epoch\": 0.5}]}");
  CHECK(s.global_step == 2);
  CHECK(s.log_entries == 1);
  const MetricSeries& loss = s.series.at("loss");
  CHECK(loss.count() == 1);
  CHECK(loss.last().value == 2.0);
  CHECK(loss.last().step == 3);
  CHECK(s.series.at("epoch").last().step == 3);
}

TEST_CASE("TrainerState: text that is not a trainer state is a FormatError", "[training]") {
  CHECK_THROWS_AS(parse_trainer_state(""), FormatError);
  CHECK_THROWS_AS(parse_trainer_state(" \r\n"), FormatError);
  CHECK_THROWS_AS(parse_trainer_state("trainer_state"), FormatError);
  CHECK_THROWS_WITH(parse_trainer_state("[{\"loss\": 1.0}]"), Catch::Contains("not an object"));
  CHECK_THROWS_AS(parse_trainer_state("42"), FormatError);
  CHECK_THROWS_AS(parse_trainer_state("{\"a\": 1} {\"b\": 2}"), FormatError);
  CHECK_THROWS_AS(parse_trainer_state("{\"loss\": NaNa}"), FormatError);
  CHECK_THROWS_WITH(parse_trainer_state("{\"epoch\": 1.0,\n \"x\": }"), Catch::Contains("byte 21"));
  // The offset is the original text's, rewritten tokens notwithstanding.
  CHECK_THROWS_WITH(parse_trainer_state("{\"a\": NaN, \"x\": }"), Catch::Contains("byte 16"));
}

TEST_CASE("TrainerState: a file cut in half (mid-write) is a FormatError", "[training]") {
  const std::string whole = test::read_text(fixtures + "hf/hf-neiro-982-entries/trainer_state.json");
  CHECK_THROWS_WITH(parse_trainer_state(std::string_view(whole).substr(0, whole.size() / 2)),
                    Catch::Contains("trainer_state.json"));
  CHECK_NOTHROW(parse_trainer_state(whole));
}

TEST_CASE("TrainerState: deep nesting is refused without recursion", "[training]") {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "{\"a\": ";
  deep += "1" + std::string(10000, '}');
  CHECK_THROWS_WITH(parse_trainer_state(deep), Catch::Contains("deeper than 64"));
  CHECK_THROWS_WITH(parse_results_file(deep), Catch::Contains("deeper than 64"));
  const std::string deep_inside = "{\"log_history\": " + std::string(10000, '[') + std::string(10000, ']') + "}";
  CHECK_THROWS_AS(parse_trainer_state(deep_inside), FormatError);
  TrainerStateOptions shallow;
  shallow.max_depth = 2;
  CHECK_THROWS_AS(parse_trainer_state("{\"log_history\": [{\"loss\": 1}]}", shallow), FormatError);
  CHECK_NOTHROW(parse_trainer_state("{\"log_history\": [{\"loss\": 1}]}"));
}

TEST_CASE("TrainerState: wrong types everywhere are skipped and counted", "[training]") {
  const std::string text =
      "{\"global_step\": \"7\", \"max_steps\": [1], \"epoch\": {}, \"num_train_epochs\": true,"
      " \"logging_steps\": 1.5, \"eval_steps\": -1e300, \"save_steps\": 18446744073709551615,"
      " \"best_metric\": \"x\", \"best_model_checkpoint\": 3, \"best_global_step\": null,"
      " \"stateful_callbacks\": {\"TrainerControl\": {\"args\": {\"should_training_stop\": \"yes\"}}},"
      " \"log_history\": {\"loss\": 1}}";
  const TrainerState s = parse_trainer_state(text);
  CHECK_FALSE(s.global_step);
  CHECK_FALSE(s.max_steps);
  CHECK_FALSE(s.epoch);
  CHECK_FALSE(s.num_train_epochs);
  CHECK_FALSE(s.logging_steps);
  CHECK_FALSE(s.eval_steps);
  CHECK_FALSE(s.save_steps);
  CHECK_FALSE(s.best_metric);
  CHECK_FALSE(s.best_model_checkpoint);
  CHECK_FALSE(s.best_global_step);  // null: not set, not counted
  CHECK_FALSE(s.should_training_stop);
  CHECK(s.log_entries == 0);
  CHECK(s.skipped_values == 11);

  const TrainerState other_shapes = parse_trainer_state("{\"stateful_callbacks\": [1, 2], \"log_history\": []}");
  CHECK_FALSE(other_shapes.should_training_stop);
  CHECK(other_shapes.skipped_values == 0);
  const TrainerState no_history = parse_trainer_state("{\"global_step\": 5}");
  CHECK(no_history.global_step == 5);
  CHECK(no_history.log_entries == 0);
}

TEST_CASE("TrainerState: a 50 MB log_history keeps its series bounded", "[training]") {
  const std::string text = big_log_history(50u << 20);
  TrainerStateOptions options;
  options.max_points = 256;
  const TrainerState s = parse_trainer_state(text, options);
  REQUIRE(s.train_entries > 400000);
  CHECK(s.eval_entries == 1);
  const MetricSeries& loss = s.series.at("loss");
  CHECK(loss.count() == s.train_entries);
  CHECK(loss.last().step == static_cast<std::int64_t>(s.train_entries));
  for (const auto& [key, series] : s.series) {
    INFO(key);
    CHECK(series.points().size() <= 256);
  }
  CHECK(s.last_eval_step == static_cast<std::int64_t>(s.train_entries));
}

TEST_CASE("TrainerState: parse_results_file reads a results file's numbers", "[training]") {
  // train_results.json as the Trainer writes it (save_metrics), plus what
  // all_results.json adds.
  const std::string text =
      "{\r\n    \"epoch\": 3.0,\r\n    \"total_flos\": 1.2345678e+16,\r\n    \"train_loss\": 0.4321,\r\n"
      "    \"train_runtime\": 1234.5678,\r\n    \"train_samples\": 8000,\r\n"
      "    \"train_samples_per_second\": 19.44,\r\n    \"train_steps_per_second\": 1.215,\r\n"
      "    \"eval_loss\": NaN,\r\n    \"eval_note\": \"text\"\r\n}\r\n";
  const auto values = parse_results_file(text);
  CHECK(values.size() == 8);
  CHECK(values.at("epoch") == 3.0);
  CHECK(values.at("train_samples") == 8000);
  CHECK(values.at("train_runtime") == Approx(1234.5678));
  CHECK(std::isnan(values.at("eval_loss")));
  CHECK(values.count("eval_note") == 0);
  CHECK_THROWS_AS(parse_results_file("[1, 2]"), FormatError);
  CHECK_THROWS_AS(parse_results_file(""), FormatError);
  CHECK_THROWS_AS(parse_results_file("{\"epoch\": 3.0,"), FormatError);
}
