// EventStream: the Server-Sent Events of one /api/stream client, over a
// JobRegistry. Independent of the HTTP library: the server only writes the
// frames out while the connection is held.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/server/job_registry.hpp"

namespace jobmon {

class EventStream {
 public:
  // Starts at the registry's current version: the client already has that
  // state. A reconnecting EventSource sends the id of the last event it got
  // (Last-Event-ID, the registry version of that frame): the stream then
  // starts there, and resume_frame() is what the client missed.
  explicit EventStream(const JobRegistry& registry, std::string_view last_event_id = {});

  // What to send right after the head: for a resumed stream, one change frame
  // with every change since its last event id (nothing when none), or a
  // "reset" frame when that id cannot be resumed from (not a number, from
  // a newer version than the registry's: another server process, or older
  // than the changes kept), which tells the client to reload everything.
  // Nothing for a new client.
  std::optional<std::string> resume_frame();

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
  bool reset_due_ = false;
};

// Versions a resumed stream may lag behind and still be told every change: the
// registry keeps the changes of its last 64 versions; half leaves a margin.
inline constexpr std::uint64_t kStreamResumeWindow = 32;

// One "change" frame: {"version":V,"changes":[{"id","status","completed"}]},
// status "removed" for a job that is gone.
std::string change_event(std::uint64_t version, const std::vector<RegistryChange>& changes);
// The "reset" frame: {"version":V}; the client reloads all it shows.
std::string reset_event(std::uint64_t version);

}  // namespace jobmon
