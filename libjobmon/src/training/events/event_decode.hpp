// One tensorflow.Event (event.proto, summary.proto, tensor.proto) decoded
// into sink calls: its summary values as scalars (simple_value, or a
// one-element DT_FLOAT/DT_DOUBLE tensor of plugin "scalars" or none), texts
// (plugin "text": the tensor's first string_val) or other tags
// ("<value kind>/<plugin>"), each with the Event's step and wall_time.
#pragma once

#include <string_view>

#include "jobmon/training/event_file.hpp"

namespace jobmon::detail {

// Hands the record's values to the sink and updates stats (file_version,
// first/last wall_time, scalars). Returns false when the bytes are not a
// well-formed Event; the values decoded before the fault are still handed on.
bool decode_event(std::string_view event, EventSink& sink, EventFileStats& stats);

}  // namespace jobmon::detail
