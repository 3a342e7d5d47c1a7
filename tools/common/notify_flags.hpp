// --notify-webhook / --notify-command / --notify-format / --notify-state, as
// jobmon-status --watch and jobmon-serve spell them.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "jobmon/notify/notifier.hpp"

namespace jobmon::tools {

struct NotifyFlags {
  std::string format = "json";
  std::string state_file;

  // The options for the library, `source` naming the sender ("jobmon-serve@host");
  // the state file defaults to default_notify_state_file() when notifications are on.
  NotifyOptions options(NotifyOptions flags_filled, const std::string& source) const;
};

void add_notify_flags(CLI::App& app, NotifyOptions& options, NotifyFlags& flags);

}  // namespace jobmon::tools
