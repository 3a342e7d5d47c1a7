#include "jobmon/server/event_stream.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/text/text.hpp"
#include "jobmon/json.hpp"

namespace jobmon {
namespace json = boost::json;

EventStream::EventStream(const JobRegistry& registry, std::string_view last_event_id)
    : registry_(registry), seen_(registry.version()) {
  if (last_event_id.empty()) return;
  const auto last = detail::parse_decimal(detail::trim(last_event_id, " "), 19);
  if (last && *last <= seen_ && seen_ - *last <= kStreamResumeWindow) seen_ = *last;
  else reset_due_ = true;
}

std::optional<std::string> EventStream::resume_frame() {
  if (reset_due_) {
    reset_due_ = false;
    return reset_event(seen_);
  }
  if (registry_.version() == seen_) return std::nullopt;
  return poll(false);
}

std::optional<std::string> EventStream::next(double keep_alive_seconds) {
  if (registry_.closed()) return std::nullopt;
  const auto [version, changes] = registry_.wait_for_changes(seen_, keep_alive_seconds);
  if (version == seen_) return ": keep-alive\n\n";  // an SSE comment line
  seen_ = version;
  return change_event(version, changes);
}

std::optional<std::string> EventStream::poll(bool keep_alive_due) {
  if (registry_.version() != seen_) {
    const auto [version, changes] = registry_.wait_for_changes(seen_, 0);  // no wait: it moved
    seen_ = version;
    return change_event(version, changes);
  }
  if (keep_alive_due) return ": keep-alive\n\n";
  return std::nullopt;
}

std::string change_event(std::uint64_t version, const std::vector<RegistryChange>& changes) {
  json::array list;
  for (const auto& c : changes)
    list.push_back(json::object{{"id", c.id}, {"status", c.status ? to_string(*c.status) : "removed"}, {"completed", c.completed}});
  return fmt::format("event: change\nid: {}\ndata: {}\n\n", version,
                     to_compact_json(json::object{{"version", version}, {"changes", list}}));
}

std::string reset_event(std::uint64_t version) {
  return fmt::format("event: reset\nid: {}\ndata: {{\"version\":{}}}\n\n", version, version);
}

}  // namespace jobmon
