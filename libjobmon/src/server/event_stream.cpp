#include "jobmon/server/event_stream.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "jobmon/json.hpp"

namespace jobmon {
namespace json = boost::json;

EventStream::EventStream(const JobRegistry& registry) : registry_(registry), seen_(registry.version()) {}

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

}  // namespace jobmon
