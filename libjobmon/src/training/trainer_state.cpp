// trainer_state.json and *_results.json through Boost.JSON's event parser
// (no document is built: a 50 MB log_history costs its series). Python's json
// module writes a diverged loss as the bare tokens NaN, Infinity and
// -Infinity, which no JSON parser accepts: they are rewritten into marked
// strings before parsing and read back as numbers.
#include "jobmon/training/trainer_state.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
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
  // Most files hold no such token at all: two substring searches (memchr
  // driven) are much faster than the string-aware scan below.
  if (text.find("NaN") == std::string_view::npos && text.find("Infinity") == std::string_view::npos) return out;
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

// A value where the reader wants one. Numbers keep their exact integer
// where they have one (1.0 included); strings are kept for the few places
// that read them (and for the non-finite markers).
struct Scalar {
  enum class Kind { number, string, boolean, null, object, array };
  Kind kind = Kind::null;
  double number = 0;
  std::optional<std::int64_t> integer;
  std::string text;
  bool flag = false;
};

// A number as written, NaN and infinities included; none for anything else.
std::optional<double> number_of(const Scalar& v) {
  if (v.kind == Scalar::Kind::number) return v.number;
  if (v.kind != Scalar::Kind::string || v.text.empty() || v.text[0] != marker) return std::nullopt;
  const std::string_view token = std::string_view(v.text).substr(1);
  if (token == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (token == "Infinity") return std::numeric_limits<double>::infinity();
  if (token == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

std::optional<std::int64_t> integer_of(const Scalar& v) {
  return v.kind == Scalar::Kind::number ? v.integer : std::nullopt;
}

// A double without a fraction is an integer (Python's 1.0 for a step).
std::optional<std::int64_t> integer_of_double(double d) {
  // 2^63 is exact as a double; every double below it converts.
  if (!std::isfinite(d) || d != std::trunc(d) || std::fabs(d) >= 9223372036854775808.0) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

using Fields = std::vector<std::pair<std::string, Scalar>>;

bool has_repeated_key(const Fields& fields) {
  for (std::size_t i = 1; i < fields.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (fields[i].first == fields[j].first) return true;
    }
  }
  return false;
}

// A key written twice in one object: the last value counts, as for
// Python's json.load. Sorting keeps hostile objects with many keys linear-log;
// the usual entry (a handful of distinct keys) is left as it is.
void keep_last_of_each_key(Fields& fields) {
  if (fields.size() <= 16 && !has_repeated_key(fields)) return;
  std::stable_sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const auto last = std::unique(fields.rbegin(), fields.rend(), [](const auto& a, const auto& b) { return a.first == b.first; });
  fields.erase(fields.begin(), last.base());
}

enum class EntryClass { train, eval, final, other };

EntryClass classify(const Fields& entry) {
  bool loss = false, eval = false;
  for (const auto& [key, value] : entry) {
    if (key == "train_runtime") return EntryClass::final;
    loss = loss || key == "loss";
    eval = eval || key.starts_with("eval_");
  }
  if (loss) return EntryClass::train;
  return eval ? EntryClass::eval : EntryClass::other;
}

// log_history, one entry at a time.
class LogHistoryReader {
 public:
  LogHistoryReader(TrainerState& state, std::size_t max_points) : state_(state), max_points_(max_points) {}

  void read(Fields& entry) {
    ++state_.log_entries;
    keep_last_of_each_key(entry);
    // An entry without a usable "step" belongs to the previous entry's step.
    for (const auto& [key, value] : entry) {
      if (key != "step") continue;
      if (const auto step = integer_of(value)) step_ = *step;
      else ++state_.skipped_values;
    }
    const EntryClass kind = classify(entry);
    switch (kind) {
      case EntryClass::train: ++state_.train_entries; break;
      case EntryClass::eval: ++state_.eval_entries; state_.last_eval_step = step_; break;
      case EntryClass::final: ++state_.final_entries; state_.final_step = step_; break;
      case EntryClass::other: ++state_.other_entries; break;
    }
    for (const auto& [key, v] : entry) {
      if (key == "step") continue;
      const std::optional<double> value = number_of(v);
      if (!value) {
        ++state_.skipped_values;
        continue;
      }
      if (kind == EntryClass::final) state_.final_values.insert_or_assign(key, *value);
      else series(key).add(step_, *value);
    }
  }

 private:
  MetricSeries& series(const std::string& key) {
    auto it = state_.series.find(key);
    if (it == state_.series.end()) it = state_.series.emplace(key, MetricSeries(metric_goal(key), max_points_)).first;
    return it->second;
  }

  TrainerState& state_;
  std::size_t max_points_;
  std::int64_t step_ = 0;
};

// The Boost.JSON event handler: the document is never built. It keeps the
// top-level scalars, one log entry at a time (read when it closes) and the
// one nested flag the state has, so memory does not grow with log_history.
class StateHandler {
 public:
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

  StateHandler(TrainerState* state, std::size_t max_points) {
    if (state != nullptr) log_.emplace(*state, max_points);
  }

  std::map<std::string, Scalar, std::less<>> top;  // the top-level values
  std::optional<Scalar> should_training_stop;
  std::uint64_t skipped_entries = 0;  // log_history items that are not objects
  bool log_history_array = false;
  bool not_object = false;

  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_object_begin(boost::system::error_code& ec) { return open(Scalar::Kind::object, ec); }
  bool on_array_begin(boost::system::error_code& ec) { return open(Scalar::Kind::array, ec); }
  bool on_object_end(std::size_t, boost::system::error_code&) {
    if (in_entry()) log_->read(entry_);
    stack_.pop_back();
    return true;
  }
  bool on_array_end(std::size_t, boost::system::error_code&) {
    stack_.pop_back();
    return true;
  }
  bool on_key_part(json::string_view part, std::size_t, boost::system::error_code&) {
    text_.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, boost::system::error_code&) {
    text_.append(part.data(), part.size());
    stack_.back().key.swap(text_);
    text_.clear();
    return true;
  }
  bool on_string_part(json::string_view part, std::size_t, boost::system::error_code&) {
    text_.append(part.data(), part.size());
    return true;
  }
  bool on_string(json::string_view part, std::size_t, boost::system::error_code& ec) {
    text_.append(part.data(), part.size());
    Scalar v;
    v.kind = Scalar::Kind::string;
    v.text.swap(text_);
    text_.clear();
    return value(std::move(v), ec);
  }
  bool on_number_part(json::string_view part, boost::system::error_code&) {
    number_.append(part.data(), part.size());
    return true;
  }
  bool on_int64(std::int64_t n, json::string_view, boost::system::error_code& ec) {
    number_.clear();
    return value(number(static_cast<double>(n), n), ec);
  }
  bool on_uint64(std::uint64_t n, json::string_view, boost::system::error_code& ec) {
    number_.clear();
    const bool fits = n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return value(number(static_cast<double>(n), fits ? std::optional<std::int64_t>(static_cast<std::int64_t>(n))
                                                     : std::nullopt),
                 ec);
  }
  bool on_double(double d, json::string_view part, boost::system::error_code& ec) {
    // Boost.JSON 1.81 rounds some decimals one ulp off; from_chars is exact.
    number_.append(part.data(), part.size());
    double exact = d;
    const auto [end, error] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    if (error != std::errc() || end != number_.data() + number_.size()) exact = d;
    number_.clear();
    return value(number(exact, integer_of_double(exact)), ec);
  }
  bool on_bool(bool b, boost::system::error_code& ec) {
    Scalar v;
    v.kind = Scalar::Kind::boolean;
    v.flag = b;
    return value(std::move(v), ec);
  }
  bool on_null(boost::system::error_code& ec) { return value(Scalar{}, ec); }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }

 private:
  struct Frame {
    bool object = false;
    std::string key;  // the key of the value being read, in an object
  };

  static Scalar number(double d, std::optional<std::int64_t> integer) {
    Scalar v;
    v.kind = Scalar::Kind::number;
    v.number = d;
    v.integer = integer;
    return v;
  }

  bool under_log_history() const { return log_ && stack_[0].key == "log_history" && !stack_[1].object; }
  // The innermost container is a log entry.
  bool in_entry() const { return stack_.size() == 3 && under_log_history() && stack_[2].object; }

  bool open(Scalar::Kind kind, boost::system::error_code& ec) {
    Scalar v;
    v.kind = kind;
    if (!value(std::move(v), ec)) return false;
    stack_.push_back(Frame{kind == Scalar::Kind::object, {}});
    if (in_entry()) entry_.clear();
    return true;
  }

  // A value (a container as it opens) at the place the stack says.
  bool value(Scalar&& v, boost::system::error_code& ec) {
    const std::size_t depth = stack_.size();
    if (depth == 0) {
      if (v.kind == Scalar::Kind::object) return true;
      not_object = true;
      ec = json::error::syntax;  // stops the parser; not_object says why
      return false;
    }
    if (depth == 1) {
      if (stack_[0].key == "log_history") log_history_array = v.kind == Scalar::Kind::array;
      top.insert_or_assign(stack_[0].key, std::move(v));
    } else if (depth == 2 && under_log_history()) {
      if (v.kind != Scalar::Kind::object) ++skipped_entries;
    } else if (in_entry()) {
      entry_.emplace_back(stack_[2].key, std::move(v));
    } else if (depth == 4 && stack_[0].key == "stateful_callbacks" && stack_[1].object &&
               stack_[1].key == "TrainerControl" && stack_[2].object && stack_[2].key == "args" && stack_[3].object &&
               stack_[3].key == "should_training_stop") {
      should_training_stop = std::move(v);
    }
    return true;
  }

  std::optional<LogHistoryReader> log_;
  std::vector<Frame> stack_;
  std::string text_, number_;
  Fields entry_;
};

// Runs the handler over the whole text; FormatError unless it is one JSON
// object within max_depth.
void parse_events(std::string_view text, std::size_t max_depth, const char* what,
                  json::basic_parser<StateHandler>& parser) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw FormatError(fmt::format("{}: empty file", what));
  }
  const Prepared prepared = prepare(text);
  const std::string_view input = prepared.changed ? std::string_view(prepared.rewritten) : text;
  boost::system::error_code ec;
  const std::size_t consumed = parser.write_some(false, input.data(), input.size(), ec);
  if (parser.handler().not_object) {
    throw FormatError(fmt::format("{}: the JSON document is not an object", what));
  }
  if (!ec && input.substr(consumed).find_first_not_of(" \t\r\n") != std::string_view::npos) {
    ec = json::error::extra_data;
  }
  if (ec) {
    const std::size_t offset = original_offset(prepared, consumed);
    if (ec == json::error::too_deep) {
      throw FormatError(fmt::format("{}: JSON nested deeper than {} levels (byte {})", what, max_depth, offset));
    }
    throw FormatError(fmt::format("{}: not valid JSON: {} (byte {})", what, ec.message(), offset));
  }
}

json::parse_options depth_limit(std::size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  return options;
}

// Fills the top-level fields; a value of the wrong type leaves its field
// empty and is counted, null is how Python says "not set".
class TopLevelReader {
 public:
  TopLevelReader(const std::map<std::string, Scalar, std::less<>>& top, TrainerState& state)
      : top_(top), state_(state) {}

  void integer(std::string_view key, std::optional<std::int64_t>& field) {
    if (const Scalar* v = present(key)) {
      field = integer_of(*v);
      if (!field) ++state_.skipped_values;
    }
  }
  void number(std::string_view key, std::optional<double>& field) {
    if (const Scalar* v = present(key)) {
      field = number_of(*v);
      if (!field) ++state_.skipped_values;
    }
  }
  void text(std::string_view key, std::optional<std::string>& field) {
    if (const Scalar* v = present(key)) {
      if (v->kind == Scalar::Kind::string && number_of(*v) == std::nullopt) field = v->text;
      else ++state_.skipped_values;
    }
  }

 private:
  const Scalar* present(std::string_view key) const {
    const auto it = top_.find(key);
    return it != top_.end() && it->second.kind != Scalar::Kind::null ? &it->second : nullptr;
  }
  const std::map<std::string, Scalar, std::less<>>& top_;
  TrainerState& state_;
};

}  // namespace

TrainerState parse_trainer_state(std::string_view text, const TrainerStateOptions& options) {
  TrainerState state;
  json::basic_parser<StateHandler> parser(depth_limit(options.max_depth), &state, options.max_points);
  parse_events(text, options.max_depth, "trainer_state.json", parser);
  const StateHandler& h = parser.handler();

  TopLevelReader top(h.top, state);
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
  if (h.should_training_stop) {
    if (h.should_training_stop->kind == Scalar::Kind::boolean) state.should_training_stop = h.should_training_stop->flag;
    else ++state.skipped_values;
  }
  if (h.top.count("log_history") != 0 && !h.log_history_array) ++state.skipped_values;
  state.skipped_values += h.skipped_entries;
  return state;
}

std::map<std::string, double, std::less<>> parse_results_file(std::string_view text) {
  const std::size_t max_depth = TrainerStateOptions{}.max_depth;
  json::basic_parser<StateHandler> parser(depth_limit(max_depth), nullptr, 2);
  parse_events(text, max_depth, "results file", parser);
  std::map<std::string, double, std::less<>> values;
  for (const auto& [key, value] : parser.handler().top) {
    if (const auto number = number_of(value)) values.insert_or_assign(key, *number);
  }
  return values;
}

}  // namespace jobmon
