// Event names of every Data-Juicer writer, and the names of line issues.
#include <array>
#include <utility>

#include "jobmon/datajuicer/snapshot_events.hpp"

namespace jobmon {
namespace {

constexpr std::array<std::pair<std::string_view, EventType>, 24> names{{
    {"job_start", EventType::job_start},
    {"job_complete", EventType::job_complete},
    {"job_failed", EventType::job_failed},
    {"job_restart", EventType::job_restart},
    {"partition_creation_start", EventType::partition_creation_start},
    {"partition_creation_complete", EventType::partition_creation_complete},
    {"partition_start", EventType::partition_start},
    {"partition_complete", EventType::partition_complete},
    {"partition_failed", EventType::partition_failed},
    {"partition_resume", EventType::partition_resume},
    {"op_start", EventType::op_start},
    {"op_complete", EventType::op_complete},
    {"op_failed", EventType::op_failed},
    {"checkpoint_save", EventType::checkpoint_save},
    {"checkpoint_load", EventType::checkpoint_load},
    // The hand-written demo vocabulary and reserved names are aliases.
    {"operation_start", EventType::op_start},
    {"operation_complete", EventType::op_complete},
    {"operation_checkpoint", EventType::checkpoint_save},
    {"operation_error", EventType::op_failed},
    {"processing_start", EventType::job_start},
    {"processing_complete", EventType::job_complete},
    {"processing_error", EventType::job_failed},
    {"repartition_start", EventType::unknown},
    {"repartition_complete", EventType::unknown},
}};

}  // namespace

EventType event_type_from_name(std::string_view name) {
  for (const auto& [text, type] : names)
    if (text == name) return type;
  if (name.substr(0, 4) == "dag_") return EventType::dag_event;
  return EventType::unknown;
}

std::string_view event_type_name(EventType type) {
  if (type == EventType::dag_event) return "dag_event";
  for (const auto& [text, t] : names)
    if (t == type) return text;
  return "unknown";
}

std::string_view line_issue_name(LineIssue issue) {
  switch (issue) {
    case LineIssue::none: return "ok";
    case LineIssue::blank: return "blank";
    case LineIssue::corrupt: return "corrupt";
    case LineIssue::no_event_type: return "no_event_type";
    case LineIssue::torn: return "torn";
    case LineIssue::too_long: return "too_long";
    case LineIssue::out_of_range: return "out_of_range";
  }
  return "unknown";
}

}  // namespace jobmon
