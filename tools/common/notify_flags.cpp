#include "notify_flags.hpp"

#include <unistd.h>

namespace jobmon::tools {

void add_notify_flags(CLI::App& app, NotifyOptions& options, NotifyFlags& flags) {
  app.add_option("--notify-webhook", options.webhook_url,
                 "POST a JSON event to this http(s) URL on each job state transition (failed, stalled, complete, recovered)");
  app.add_option("--notify-command", options.command,
                 "Run this shell command on each transition; the event is in $JOBMON_EVENT_JSON (also JOBMON_EVENT, "
                 "JOBMON_JOB_NAME, JOBMON_JOB_PATH, JOBMON_JOB_STATUS)");
  app.add_option("--notify-format", flags.format, "Webhook body: json (default) or slack")
      ->check(CLI::IsMember({"json", "slack"}));
  app.add_option("--notify-state", flags.state_file,
                 "Where sent and unsent notifications are remembered across restarts (default: "
                 "$XDG_STATE_HOME/jobmon/notify-state.json)");
}

NotifyOptions NotifyFlags::options(NotifyOptions o, const std::string& source) const {
  o.format = format == "slack" ? NotifyFormat::slack : NotifyFormat::json;
  const bool on = !o.webhook_url.empty() || !o.command.empty();
  o.state_file = !state_file.empty() ? state_file : on ? default_notify_state_file() : std::string();
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  o.source = source + "@" + host;
  return o;
}

}  // namespace jobmon::tools
