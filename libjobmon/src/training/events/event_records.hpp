// Framed Event records as the Hugging Face Trainer's SummaryWriter writes
// them, for the tests and benchmarks that make event files (the library
// itself only reads them).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jobmon/training/event_file.hpp"
#include "training/events/protobuf_wire.hpp"

namespace jobmon::detail {

// The first record of every event file: file_version "brain.Event:2".
inline std::string version_event_record(double wall_time) {
  std::string event;
  put_double_field(event, 1, wall_time);
  put_bytes_field(event, 3, "brain.Event:2");
  return frame_tfrecord(event);
}

// One Event holding one scalar summary value (simple_value).
inline std::string scalar_event_record(std::int64_t step, double wall_time, std::string_view tag, float value) {
  std::string v, summary, event;
  put_bytes_field(v, 1, tag);
  put_float_field(v, 2, value);
  put_bytes_field(summary, 1, v);
  put_double_field(event, 1, wall_time);
  put_varint_field(event, 2, static_cast<std::uint64_t>(step));
  put_bytes_field(event, 5, summary);
  return frame_tfrecord(event);
}

// A text summary (plugin "text", a DT_STRING tensor), as the Trainer's args/text_summary.
inline std::string text_event_record(double wall_time, std::string_view tag, std::string_view body) {
  std::string plugin_data, metadata, tensor, v, summary, event;
  put_bytes_field(plugin_data, 1, "text");
  put_bytes_field(metadata, 1, plugin_data);
  put_varint_field(tensor, 1, 7);  // DT_STRING
  put_bytes_field(tensor, 8, body);
  put_bytes_field(v, 1, tag);
  put_bytes_field(v, 9, metadata);
  put_bytes_field(v, 8, tensor);
  put_bytes_field(summary, 1, v);
  put_double_field(event, 1, wall_time);
  put_bytes_field(event, 5, summary);
  return frame_tfrecord(event);
}

}  // namespace jobmon::detail
