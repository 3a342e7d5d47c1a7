#include "training/events/event_decode.hpp"

#include <cmath>

#include <cstdint>
#include <string>

#include "training/events/protobuf_wire.hpp"

namespace jobmon::detail {
namespace {

// Field numbers, from tensorflow/core/util/event.proto and
// tensorflow/core/framework/{summary,tensor}.proto.
namespace event_field {
constexpr std::uint32_t wall_time = 1, step = 2, file_version = 3, summary = 5;
}
namespace value_field {
constexpr std::uint32_t tag = 1, simple_value = 2, obsolete_histogram = 3, image = 4, histo = 5, audio = 6,
                        tensor = 8, metadata = 9;
}
namespace tensor_field {
constexpr std::uint32_t dtype = 1, tensor_content = 4, float_val = 5, double_val = 6, string_val = 8;
}
constexpr std::uint64_t dt_float = 1, dt_double = 2;

struct EventHeader {
  std::int64_t step = 0;
  double wall_time = 0;
};

// The Summary.Value oneof, by field number; its name as on_other spells it.
std::string_view value_kind_name(std::uint32_t field) {
  switch (field) {
    case value_field::simple_value: return "simple_value";
    case value_field::obsolete_histogram: return "obsolete_old_style_histogram";
    case value_field::image: return "image";
    case value_field::histo: return "histo";
    case value_field::audio: return "audio";
    case value_field::tensor: return "tensor";
    default: return "";
  }
}

// "<value kind>/<plugin>", e.g. "histo/", "tensor/hparams", "/hparams"
// (hparams entries set no value, only metadata).
std::string other_label(std::uint32_t kind, std::string_view plugin) {
  std::string label(value_kind_name(kind));
  label += '/';
  label += plugin;
  return label;
}

// SummaryMetadata.plugin_data.plugin_name, or "" when absent.
bool plugin_name_of(std::string_view metadata, std::string_view& plugin) {
  WireReader meta(metadata);
  WireField field;
  while (meta.next(field)) {
    if (field.number != 1 || field.type != WireType::length_delimited) continue;  // plugin_data
    WireReader data(field.bytes);
    WireField inner;
    while (data.next(inner))
      if (inner.number == 1 && inner.type == WireType::length_delimited) plugin = inner.bytes;  // plugin_name
    if (data.malformed()) return false;
  }
  return !meta.malformed();
}

// What a TensorProto holds that a scalar or a text needs.
struct TensorFacts {
  std::uint64_t dtype = 0;
  std::string_view content;
  std::size_t floats = 0, doubles = 0, strings = 0;
  float first_float = 0;
  double first_double = 0;
  std::string_view first_string;
};

bool read_tensor(std::string_view bytes, TensorFacts& t) {
  WireReader reader(bytes);
  WireField field;
  while (reader.next(field)) {
    switch (field.number) {
      case tensor_field::dtype:
        if (field.type == WireType::varint) t.dtype = field.integer;
        break;
      case tensor_field::tensor_content:
        if (field.type == WireType::length_delimited) t.content = field.bytes;
        break;
      case tensor_field::float_val:
        if (field.type == WireType::fixed32) {
          if (t.floats++ == 0) t.first_float = wire_float(field.integer);
        } else if (field.type == WireType::length_delimited) {  // packed
          if (field.bytes.size() % 4 != 0) return false;
          if (t.floats == 0 && !field.bytes.empty()) t.first_float = wire_float(load_le32(field.bytes.data()));
          t.floats += field.bytes.size() / 4;
        }
        break;
      case tensor_field::double_val:
        if (field.type == WireType::fixed64) {
          if (t.doubles++ == 0) t.first_double = wire_double(field.integer);
        } else if (field.type == WireType::length_delimited) {  // packed
          if (field.bytes.size() % 8 != 0) return false;
          if (t.doubles == 0 && !field.bytes.empty()) t.first_double = wire_double(load_le64(field.bytes.data()));
          t.doubles += field.bytes.size() / 8;
        }
        break;
      case tensor_field::string_val:
        if (field.type == WireType::length_delimited && t.strings++ == 0) t.first_string = field.bytes;
        break;
      default:
        break;
    }
  }
  return !reader.malformed();
}

// A one-element float32 or float64 tensor's value (float32 widened exactly).
bool tensor_scalar(const TensorFacts& t, double& value) {
  if (t.dtype == dt_float) {
    if (t.content.size() == 4) {
      value = wire_float(load_le32(t.content.data()));
      return true;
    }
    if (t.content.empty() && t.floats == 1) {
      value = t.first_float;
      return true;
    }
  } else if (t.dtype == dt_double) {
    if (t.content.size() == 8) {
      value = wire_double(load_le64(t.content.data()));
      return true;
    }
    if (t.content.empty() && t.doubles == 1) {
      value = t.first_double;
      return true;
    }
  }
  return false;
}

// One Summary.Value -> one sink call. False when malformed (nothing handed on).
bool decode_value(std::string_view bytes, const EventHeader& header, EventSink& sink, EventFileStats& stats) {
  std::string_view tag, plugin, tensor;
  std::uint32_t kind = 0;  // the oneof's field number, 0 when none is set
  float simple = 0;
  WireReader reader(bytes);
  WireField field;
  while (reader.next(field)) {
    switch (field.number) {
      case value_field::tag:
        if (field.type == WireType::length_delimited) tag = field.bytes;
        break;
      case value_field::simple_value:
        if (field.type != WireType::fixed32) break;
        kind = field.number;
        simple = wire_float(field.integer);
        break;
      case value_field::metadata:
        if (field.type == WireType::length_delimited && !plugin_name_of(field.bytes, plugin)) return false;
        break;
      case value_field::obsolete_histogram:
      case value_field::image:
      case value_field::histo:
      case value_field::audio:
      case value_field::tensor:
        if (field.type != WireType::length_delimited) break;
        kind = field.number;
        if (kind == value_field::tensor) tensor = field.bytes;
        break;
      default:
        break;
    }
  }
  if (reader.malformed()) return false;

  EventScalar scalar{header.step, header.wall_time, tag, simple};
  if (kind == value_field::tensor) {
    TensorFacts facts;
    if (!read_tensor(tensor, facts)) return false;
    if (plugin == "text" && facts.strings > 0) {
      sink.on_text(tag, header.step, header.wall_time, facts.first_string);
      return true;
    }
    const bool scalar_plugin = plugin.empty() || plugin == "scalars";
    if (!scalar_plugin || !tensor_scalar(facts, scalar.value)) {
      sink.on_other(tag, other_label(kind, plugin));
      return true;
    }
  } else if (kind != value_field::simple_value) {
    sink.on_other(tag, other_label(kind, plugin));
    return true;
  }
  ++stats.scalars;
  sink.on_scalar(scalar);
  return true;
}

bool decode_summary(std::string_view bytes, const EventHeader& header, EventSink& sink, EventFileStats& stats) {
  WireReader reader(bytes);
  WireField field;
  bool ok = true;
  while (reader.next(field))
    if (field.number == 1 && field.type == WireType::length_delimited)  // repeated Value value
      ok = decode_value(field.bytes, header, sink, stats) && ok;
  return ok && !reader.malformed();
}

}  // namespace

bool decode_event(std::string_view event, EventSink& sink, EventFileStats& stats) {
  // Step and wall_time first: a writer may put them after the summary.
  EventHeader header;
  bool has_wall_time = false;
  std::string_view summary;
  int summaries = 0;
  WireReader reader(event);
  WireField field;
  while (reader.next(field)) {
    if (field.number == event_field::wall_time && field.type == WireType::fixed64) {
      header.wall_time = wire_double(field.integer);
      has_wall_time = true;
    } else if (field.number == event_field::step && field.type == WireType::varint) {
      header.step = static_cast<std::int64_t>(field.integer);
    } else if (field.number == event_field::file_version && field.type == WireType::length_delimited) {
      stats.file_version.assign(field.bytes);
    } else if (field.number == event_field::summary && field.type == WireType::length_delimited) {
      if (summaries++ == 0) summary = field.bytes;
    }
  }
  if (has_wall_time && std::isfinite(header.wall_time)) {  // a NaN time would pin "last write" forever
    if (!stats.first_wall_time) stats.first_wall_time = header.wall_time;
    stats.last_wall_time = header.wall_time;
  }
  bool ok = !reader.malformed();
  if (summaries == 1) return decode_summary(summary, header, sink, stats) && ok;
  // A repeated summary merges: every occurrence's values count.
  WireReader again(event);
  while (summaries > 1 && again.next(field))
    if (field.number == event_field::summary && field.type == WireType::length_delimited)
      ok = decode_summary(field.bytes, header, sink, stats) && ok;
  return ok;
}

}  // namespace jobmon::detail
