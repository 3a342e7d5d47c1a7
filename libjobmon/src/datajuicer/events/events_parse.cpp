// EventLineParser: simdjson On-Demand over one line. One pass over the
// top-level fields (the order writers use does not matter); values we do not
// need (config, op_args, message...) are skipped on the structural index
// without being decoded. bench/bench_event_parse measures this against
// Boost.JSON on the same lines.
#include <simdjson.h>

#include <charconv>
#include <cstring>

#include "core/text/text.hpp"
#include "datajuicer/events/events_reducer.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"

namespace jobmon {
namespace od = simdjson::ondemand;
namespace {

// A number (or numeric string); nullopt for null, other types or errors.
// The typed read comes first: On-Demand leaves the value in place when the
// type does not match, so the fallbacks can look again.
std::optional<double> read_double(od::value& v) {
  double d;
  if (!v.get_double().get(d)) return d;
  std::string_view s;
  if (v.get_string().get(s)) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc() && end == s.data() + s.size()) return d;
  return std::nullopt;
}

std::optional<std::int64_t> read_int(od::value& v) {
  std::int64_t i;
  if (!v.get_int64().get(i)) return i;
  double d;
  if (!v.get_double().get(d)) return detail::exact_int64(d);
  std::string_view s;
  if (v.get_string().get(s)) return std::nullopt;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && end == s.data() + s.size()) return i;
  return std::nullopt;
}

std::string_view read_string(od::value& v) {
  std::string_view s;
  if (v.get_string().get(s)) return {};
  return s;
}

Tri read_bool(od::value& v) {
  bool b;
  if (v.get_bool().get(b)) return Tri::unset;
  return b ? Tri::yes : Tri::no;
}

// Float epoch seconds or an ISO-8601 string.
std::optional<double> read_timestamp(od::value& v) {
  double d;
  if (!v.get_double().get(d)) return d;
  std::string_view s;
  if (v.get_string().get(s)) return std::nullopt;
  if (auto t = parse_iso8601(s)) return t;
  return read_double(v);
}

// A key as written, without copying it: jobmon's keys have no escapes, and
// a key that has some is unescaped the slow way.
bool read_key(od::field& f, std::string_view& key) {
  const char* start = f.key().raw();
  const char* quote = start;
  while (*quote != '"') {
    if (*quote == '\\') return !f.unescaped_key().get(key);
    ++quote;
  }
  key = std::string_view(start, static_cast<std::size_t>(quote - start));
  return true;
}

// error_details of older writers may be an object: keep its JSON text.
std::string_view read_text_or_json(od::value& v) {
  od::json_type type;
  if (v.type().get(type)) return {};
  std::string_view s;
  if (type == od::json_type::string) return read_string(v);
  if (type == od::json_type::object) {
    od::object o;
    if (v.get_object().get(o) || o.raw_json().get(s)) return {};
    return s;
  }
  if (type == od::json_type::array) {
    od::array a;
    if (v.get_array().get(a) || a.raw_json().get(s)) return {};
    return s;
  }
  return {};
}

// Calls read(key, value) for each field of an object value; a value that is
// not an object (null, say) has no fields. False when the object is malformed.
template <typename Read>
bool for_each_field(od::value& v, Read&& read) {
  od::object o;
  if (v.get_object().get(o)) return true;
  for (auto f : o) {
    od::field field;
    if (std::move(f).get(field)) return false;
    std::string_view key;
    if (!read_key(field, key)) return false;
    od::value fv = field.value();
    if (!read(key, fv)) return false;
  }
  return true;
}

bool read_config_summary(od::value& v, Event& e) {
  return for_each_field(v, [&](std::string_view key, od::value& fv) {
    if (key == "executor_type") e.executor_type = read_string(fv);
    else if (key == "checkpoint_strategy") e.checkpoint_strategy = read_string(fv);
    return true;
  });
}

bool read_metadata(od::value& v, Event& e) {
  return for_each_field(v, [&](std::string_view key, od::value& fv) {
    if (key == "success") e.success = read_bool(fv);
    else if (key == "num_partitions") e.num_partitions = read_int(fv);
    else if (key == "total_partitions") { if (!e.total_partitions) e.total_partitions = read_int(fv); }
    else if (key == "duration_seconds") { if (!e.duration) e.duration = read_double(fv); }
    else if (key == "input_rows") { if (!e.input_rows) e.input_rows = read_int(fv); }
    else if (key == "output_rows") { if (!e.output_rows) e.output_rows = read_int(fv); }
    else if (key == "checkpoint_path") { if (e.checkpoint_path.empty()) e.checkpoint_path = read_string(fv); }
    else if (key == "config_summary") { if (!read_config_summary(fv, e)) return false; }
    else if (key == "checkpoint_strategy") { if (e.checkpoint_strategy.empty()) e.checkpoint_strategy = read_string(fv); }
    else if (key == "executor_type") { if (e.executor_type.empty()) e.executor_type = read_string(fv); }
    else if (key == "checkpoint_enabled") e.checkpoint_enabled = read_bool(fv);
    else if (key == "is_resuming") e.is_resuming = read_bool(fv);
    else if (key == "restart_reason") e.restart_reason = read_string(fv);
    else if (key == "resume_operation") e.resume_operation = read_string(fv);
    else if (key == "sample_count") e.sample_count = read_int(fv);
    // partition_complete{success:false} carries its error here; op events repeat their index.
    else if (key == "error") { if (e.error_message.empty()) e.error_message = read_text_or_json(fv); }
    else if (key == "operation_idx") { if (!e.operation_idx) e.operation_idx = read_int(fv); }
    return true;
  });
}

bool read_field(std::string_view key, od::value& v, Event& e) {
  // Ordered by how often each key appears in a real stream.
  if (key == "event_type") {
    e.type_name = read_string(v);
    e.type = event_type_from_name(e.type_name);
  } else if (key == "timestamp") {
    e.timestamp = read_timestamp(v);
  } else if (key == "partition_id") {
    e.partition_id = read_int(v);
  } else if (key == "operation_idx") {
    e.operation_idx = read_int(v);
  } else if (key == "operation_name") {
    e.operation_name = read_string(v);
  } else if (key == "metadata") {
    return read_metadata(v, e);
  } else if (key == "duration") {
    e.duration = read_double(v);
  } else if (key == "input_rows") {
    e.input_rows = read_int(v);
  } else if (key == "output_rows") {
    e.output_rows = read_int(v);
  } else if (key == "status") {
    e.status = read_string(v);
  } else if (key == "checkpoint_path") {
    e.checkpoint_path = read_string(v);
  } else if (key == "error_message") {
    const auto text = read_string(v);
    if (!text.empty()) e.error_message = text;
  } else if (key == "error_details") {
    if (e.error_message.empty()) e.error_message = read_text_or_json(v);
  } else if (key == "retry_count") {
    e.retry_count = read_int(v);
  } else if (key == "job_id") {
    e.job_id = read_string(v);
  } else if (key == "total_partitions") {
    e.total_partitions = read_int(v);
  }
  return true;
}

}  // namespace

struct EventLineParser::Impl {
  od::parser parser;
  std::string padded;
  detail::LineReducer reducer;
  bool long_line_has_nul = false;

  // A line that fails leaves no half-filled event behind.
  LineIssue parse_document(const char* data, std::size_t length, std::size_t capacity, Event& e) {
    const LineIssue issue = walk_document(data, length, capacity, e);
    if (issue != LineIssue::none) e = Event{};
    return issue;
  }

  LineIssue walk_document(const char* data, std::size_t length, std::size_t capacity, Event& e) {
    od::document doc;
    if (parser.iterate(data, length, capacity).get(doc)) return LineIssue::corrupt;
    od::object obj;
    if (doc.get_object().get(obj)) return LineIssue::corrupt;
    for (auto field_result : obj) {
      od::field field;
      if (std::move(field_result).get(field)) return LineIssue::corrupt;
      std::string_view key;
      if (!read_key(field, key)) return LineIssue::corrupt;
      od::value value = field.value();
      if (!read_field(key, value, e)) return LineIssue::corrupt;
      // Events jobmon does not act on (dag_*, unknown) need only their time:
      // stop there instead of walking their metadata. Their line was
      // checked to end with '}' and stage 1 checked its strings.
      if (e.timestamp && !e.type_name.empty() && (e.type == EventType::dag_event || e.type == EventType::unknown))
        return LineIssue::none;
    }
    // The loop stops at the object's end; anything after it is a torn or
    // glued line, not an event.
    const char* location = nullptr;
    if (doc.current_location().get(location) != simdjson::OUT_OF_BOUNDS) return LineIssue::corrupt;
    if (e.type_name.empty()) return LineIssue::no_event_type;
    return LineIssue::none;
  }

  LineIssue parse_padded(std::string_view text, Event& e) {
    padded.assign(text);
    const std::size_t length = padded.size();
    padded.append(simdjson::SIMDJSON_PADDING, ' ');
    return parse_document(padded.data(), length, padded.size(), e);
  }
};

EventLineParser::EventLineParser() : impl_(std::make_unique<Impl>()) {}
EventLineParser::~EventLineParser() = default;

LineIssue EventLineParser::parse(std::string_view line, Event& e, std::size_t readable_after) {
  e = Event{};
  const char* const original_end = line.data() + line.size();
  line = detail::trim(line);
  if (line.empty()) return LineIssue::blank;
  // NUL bytes are what a crash leaves in a preallocated block: never JSON.
  if (std::memchr(line.data(), '\0', line.size()) != nullptr) return LineIssue::corrupt;
  if (line.front() != '{' || line.back() != '}') return LineIssue::corrupt;
  if (line.size() > default_direct_limit) {
    begin_long_line();
    feed_long_line(line);
    return finish_long_line(e);
  }
  // Trailing whitespace that was trimmed off is readable too.
  const std::size_t after = readable_after + static_cast<std::size_t>(original_end - (line.data() + line.size()));
  if (after >= simdjson::SIMDJSON_PADDING) return impl_->parse_document(line.data(), line.size(), line.size() + after, e);
  return impl_->parse_padded(line, e);
}

void EventLineParser::begin_long_line() {
  impl_->reducer.reset(default_reduced_limit);
  impl_->long_line_has_nul = false;
}

void EventLineParser::feed_long_line(std::string_view piece) {
  if (std::memchr(piece.data(), '\0', piece.size()) != nullptr) impl_->long_line_has_nul = true;
  if (!impl_->long_line_has_nul) impl_->reducer.feed(piece);
}

LineIssue EventLineParser::finish_long_line(Event& e) {
  e = Event{};
  if (impl_->long_line_has_nul) return LineIssue::corrupt;
  if (impl_->reducer.overflow()) return LineIssue::too_long;
  const std::string_view text = detail::trim(impl_->reducer.text());
  if (text.empty()) return LineIssue::blank;
  // The reduced text lives in the reducer until the next long line.
  return impl_->parse_padded(text, e);
}

}  // namespace jobmon
