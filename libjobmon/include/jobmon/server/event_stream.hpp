// EventStream: the Server-Sent Events of one /api/stream client, over a
// JobRegistry. Independent of the HTTP library: the server only writes the
// frames out while the connection is held.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/server/job_registry.hpp"

namespace jobmon {

class EventStream {
 public:
  // Starts at the registry's current version: the client already has that state.
  explicit EventStream(const JobRegistry& registry);

  // Waits for the next frame to send: "event: change" with the latest change of
  // every job since the previous frame, or a keep-alive comment after
  // `keep_alive_seconds` of quiet (it keeps proxies from closing an idle stream).
  // nullopt once the registry is closed (the server is stopping).
  std::optional<std::string> next(double keep_alive_seconds = 15);
  // The same without waiting, for an event-driven server that checks on a
  // timer: the change frame when the registry moved since the last frame,
  // else a keep-alive comment when `keep_alive_due`, else nothing.
  std::optional<std::string> poll(bool keep_alive_due);

 private:
  const JobRegistry& registry_;
  std::uint64_t seen_;
};

// One "change" frame: {"version":V,"changes":[{"id","status","completed"}]},
// status "removed" for a job that is gone.
std::string change_event(std::uint64_t version, const std::vector<RegistryChange>& changes);

}  // namespace jobmon
