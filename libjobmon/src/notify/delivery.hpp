// Delivering one notification: an HTTP POST (libcurl, http/https only,
// bounded in time) or a command (/bin/sh -c through run_command, bounded,
// the event in its environment). Private to libjobmon.
#pragma once

#include <string>

#include "jobmon/notify/notifier.hpp"

namespace jobmon::detail {

struct DeliveryResult {
  bool ok = false;
  std::string error;  // why not, in words
};

// 2xx is delivered; anything else (a refused connection, a 500) is an error.
DeliveryResult post_webhook(const std::string& url, const std::string& body, double timeout_seconds);
// Exit 0 is delivered.
DeliveryResult run_notify_command(const std::string& command, const NotifyEvent& event, const std::string& event_json,
                                  double timeout_seconds);

}  // namespace jobmon::detail
