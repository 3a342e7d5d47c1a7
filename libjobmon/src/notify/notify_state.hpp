// The notifier's state file: each job's last state and the events not yet
// delivered, as JSON, written whole to a temporary file and renamed over the
// old one (a crash leaves the old or the new, never half of one). Private.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/notify/notifier.hpp"

namespace jobmon::detail {

struct NotifyState {
  bool existed = false;                   // read from a file (not a fresh start)
  std::map<std::string, JobStatus> last;  // by JobObservation::key
  std::vector<NotifyEvent> pending;       // oldest first
  std::uint64_t next_sequence = 1;
};

// A missing file is a fresh state; a corrupt one sets `problem` and gives a
// fresh state (the caller sets the file aside).
NotifyState load_notify_state(const std::string& path, std::string& problem);
// Empty on success, else why it could not be written.
std::string save_notify_state(const std::string& path, const NotifyState& state);

boost::json::value event_to_json(const NotifyEvent& event);
std::optional<NotifyEvent> event_from_json(const boost::json::value& v);

}  // namespace jobmon::detail
