// Event records as the Hugging Face Trainer's SummaryWriter writes them, for
// the benchmarks that make event files (through the library's private
// protobuf writers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jobmon/training/event_file.hpp"
#include "training/events/protobuf_wire.hpp"

namespace jobmon::bench {

// One framed Event holding one scalar summary value.
inline std::string scalar_event(std::int64_t step, double wall_time, std::string_view tag, float value) {
  using namespace jobmon::detail;
  std::string v, summary, event;
  put_bytes_field(v, 1, tag);
  put_float_field(v, 2, value);
  put_bytes_field(summary, 1, v);
  put_double_field(event, 1, wall_time);
  put_varint_field(event, 2, static_cast<std::uint64_t>(step));
  put_bytes_field(event, 5, summary);
  return frame_tfrecord(event);
}

// The first record of every event file.
inline std::string version_event(double wall_time) {
  using namespace jobmon::detail;
  std::string event;
  put_double_field(event, 1, wall_time);
  put_bytes_field(event, 3, "brain.Event:2");
  return frame_tfrecord(event);
}

}  // namespace jobmon::bench
