// trainer_state.json and *_results.json through Boost.JSON. Python's json
// module writes a diverged loss as the bare tokens NaN, Infinity and
// -Infinity, which no JSON parser accepts: they are rewritten into marked
// strings before parsing and read back as numbers.
#include "jobmon/training/trainer_state.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <utility>

#include "jobmon/error.hpp"

namespace jobmon {
namespace {

namespace json = boost::json;

// A NUL first character cannot come from a JSON text without an escape, so
// a real string can only look like a marker if written as "\u0000NaN".
constexpr char marker = '\0';
constexpr std::string_view marker_escape = "\\u0000";
constexpr std::string_view non_finite_tokens[] = {"-Infinity", "Infinity", "NaN"};
constexpr double unbounded_epochs = 1e12;  // sys.maxsize and its kin

// The text with every bare non-finite token outside strings made a marked
// string; where it was rewritten, the rewritten offsets of the markers so
// that an error offset can be told in the original text.
struct Prepared {
  std::string rewritten;
  std::vector<std::size_t> marker_offsets;
  bool changed = false;
};

std::string_view non_finite_token_at(std::string_view text, std::size_t i) {
  for (std::string_view token : non_finite_tokens) {
    if (text.substr(i, token.size()) == token) return token;
  }
  return {};
}

Prepared prepare(std::string_view text) {
  Prepared out;
  bool in_string = false;
  std::size_t copied = 0;  // text before this is in out.rewritten
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != 'N' && c != 'I' && c != '-') continue;
    const std::string_view token = non_finite_token_at(text, i);
    if (token.empty()) continue;
    if (!out.changed) out.rewritten.reserve(text.size() + 64);
    out.changed = true;
    out.rewritten.append(text.substr(copied, i - copied));
    out.marker_offsets.push_back(out.rewritten.size());
    out.rewritten += '"';
    out.rewritten += marker_escape;
    out.rewritten += token;
    out.rewritten += '"';
    i += token.size() - 1;
    copied = i + 1;
  }
  if (out.changed) out.rewritten.append(text.substr(copied));
  return out;
}

std::size_t original_offset(const Prepared& prepared, std::size_t offset) {
  std::size_t shift = 0;
  for (std::size_t at : prepared.marker_offsets) {
    if (at >= offset) break;
    shift += marker_escape.size() + 2;  // the quotes and the escape added
  }
  return offset >= shift ? offset - shift : 0;
}

// Parses the whole text as one JSON object; FormatError otherwise.
json::object parse_object(std::string_view text, std::size_t max_depth, const char* what) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw FormatError(fmt::format("{}: empty file", what));
  }
  const Prepared prepared = prepare(text);
  const std::string_view input = prepared.changed ? std::string_view(prepared.rewritten) : text;
  json::parse_options options;
  options.max_depth = max_depth;
  json::stream_parser parser({}, options);
  // One arena for the whole document: freed at once, no per-node bookkeeping.
  parser.reset(json::make_shared_resource<json::monotonic_resource>());
  boost::system::error_code ec;
  const std::size_t consumed = parser.write(input.data(), input.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const std::size_t offset = original_offset(prepared, ec == json::error::incomplete ? input.size() : consumed);
    if (ec == json::error::too_deep) {
      throw FormatError(fmt::format("{}: JSON nested deeper than {} levels (byte {})", what, max_depth, offset));
    }
    throw FormatError(fmt::format("{}: not valid JSON: {} (byte {})", what, ec.message(), offset));
  }
  json::value document = parser.release();
  if (!document.is_object()) {
    throw FormatError(fmt::format("{}: the JSON document is not an object", what));
  }
  return std::move(document.get_object());
}

// A number as written, NaN and infinities included; none for anything else.
std::optional<double> number_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::int64: return static_cast<double>(v.get_int64());
    case json::kind::uint64: return static_cast<double>(v.get_uint64());
    case json::kind::double_: return v.get_double();
    case json::kind::string: {
      const json::string& s = v.get_string();
      if (s.empty() || s[0] != marker) return std::nullopt;
      const std::string_view token(s.data() + 1, s.size() - 1);
      if (token == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (token == "Infinity") return std::numeric_limits<double>::infinity();
      if (token == "-Infinity") return -std::numeric_limits<double>::infinity();
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

// An integer, also when written as a double without a fraction (1.0).
std::optional<std::int64_t> integer_of(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    // 2^63 is exact as a double; every double below it converts.
    if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) >= 9223372036854775808.0) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

// Fills the top-level fields; a value of the wrong type leaves its field
// empty and is counted, null is how Python says "not set".
class TopLevelReader {
 public:
  TopLevelReader(const json::object& object, TrainerState& state) : object_(object), state_(state) {}

  void integer(std::string_view key, std::optional<std::int64_t>& field) {
    if (const json::value* v = present(key)) {
      field = integer_of(*v);
      if (!field) ++state_.skipped_values;
    }
  }
  void number(std::string_view key, std::optional<double>& field) {
    if (const json::value* v = present(key)) {
      field = number_of(*v);
      if (!field) ++state_.skipped_values;
    }
  }
  void text(std::string_view key, std::optional<std::string>& field) {
    if (const json::value* v = present(key)) {
      if (v->is_string()) field = std::string(v->get_string());
      else ++state_.skipped_values;
    }
  }

 private:
  const json::value* present(std::string_view key) const {
    const json::value* v = object_.if_contains(key);
    return v != nullptr && !v->is_null() ? v : nullptr;
  }
  const json::object& object_;
  TrainerState& state_;
};

const json::value* member(const json::value* v, std::string_view key) {
  const json::object* o = v != nullptr ? v->if_object() : nullptr;
  return o != nullptr ? o->if_contains(key) : nullptr;
}

enum class EntryClass { train, eval, final, other };

EntryClass classify(const json::object& entry) {
  if (entry.contains("train_runtime")) return EntryClass::final;
  if (entry.contains("loss")) return EntryClass::train;
  for (const auto& kv : entry) {
    if (kv.key().starts_with("eval_")) return EntryClass::eval;
  }
  return EntryClass::other;
}

class LogHistoryReader {
 public:
  LogHistoryReader(TrainerState& state, std::size_t max_points) : state_(state), max_points_(max_points) {}

  void read(const json::value& entry_value) {
    const json::object* entry = entry_value.if_object();
    if (entry == nullptr) {
      ++state_.skipped_values;
      return;
    }
    ++state_.log_entries;
    // An entry without a usable "step" belongs to the previous entry's step.
    if (const json::value* s = entry->if_contains("step")) {
      if (const auto step = integer_of(*s)) step_ = *step;
      else ++state_.skipped_values;
    }
    const EntryClass kind = classify(*entry);
    switch (kind) {
      case EntryClass::train: ++state_.train_entries; break;
      case EntryClass::eval: ++state_.eval_entries; state_.last_eval_step = step_; break;
      case EntryClass::final: ++state_.final_entries; state_.final_step = step_; break;
      case EntryClass::other: ++state_.other_entries; break;
    }
    for (const auto& kv : *entry) {
      const std::string_view key = kv.key();
      if (key == "step") continue;
      const std::optional<double> value = number_of(kv.value());
      if (!value) {
        ++state_.skipped_values;
        continue;
      }
      if (kind == EntryClass::final) state_.final_values.insert_or_assign(std::string(key), *value);
      else series(key).add(step_, *value);
    }
  }

 private:
  MetricSeries& series(std::string_view key) {
    auto it = state_.series.find(key);
    if (it == state_.series.end()) {
      it = state_.series.emplace(std::string(key), MetricSeries(metric_goal(key), max_points_)).first;
    }
    return it->second;
  }

  TrainerState& state_;
  std::size_t max_points_;
  std::int64_t step_ = 0;
};

}  // namespace

TrainerState parse_trainer_state(std::string_view text, const TrainerStateOptions& options) {
  const json::object object = parse_object(text, options.max_depth, "trainer_state.json");
  TrainerState state;
  TopLevelReader top(object, state);
  top.integer("global_step", state.global_step);
  top.integer("max_steps", state.max_steps);
  top.number("epoch", state.epoch);
  top.number("num_train_epochs", state.num_train_epochs);
  if (state.num_train_epochs && *state.num_train_epochs > unbounded_epochs) {
    state.num_train_epochs.reset();
    state.epochs_unbounded = true;
  }
  top.integer("logging_steps", state.logging_steps);
  top.integer("eval_steps", state.eval_steps);
  top.integer("save_steps", state.save_steps);
  top.integer("train_batch_size", state.train_batch_size);
  top.number("best_metric", state.best_metric);
  top.text("best_model_checkpoint", state.best_model_checkpoint);
  top.integer("best_global_step", state.best_global_step);
  top.number("total_flos", state.total_flos);
  top.integer("num_input_tokens_seen", state.num_input_tokens_seen);

  const json::value* control_args =
      member(member(object.if_contains("stateful_callbacks"), "TrainerControl"), "args");
  if (const json::value* stop = member(control_args, "should_training_stop")) {
    if (stop->is_bool()) state.should_training_stop = stop->get_bool();
    else ++state.skipped_values;
  }

  if (const json::value* history = object.if_contains("log_history")) {
    if (const json::array* entries = history->if_array()) {
      LogHistoryReader reader(state, options.max_points);
      for (const json::value& entry : *entries) reader.read(entry);
    } else {
      ++state.skipped_values;
    }
  }
  return state;
}

std::map<std::string, double, std::less<>> parse_results_file(std::string_view text) {
  const json::object object = parse_object(text, TrainerStateOptions{}.max_depth, "results file");
  std::map<std::string, double, std::less<>> values;
  for (const auto& kv : object) {
    if (const auto value = number_of(kv.value())) values.insert_or_assign(std::string(kv.key()), *value);
  }
  return values;
}

}  // namespace jobmon
