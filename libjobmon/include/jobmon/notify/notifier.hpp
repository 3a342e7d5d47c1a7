// Built-in notifications for people without Prometheus: one event per job
// state transition (failed, stalled, complete, recovered), delivered to a
// webhook (POST, JSON or a Slack-compatible body) and/or a command, retried
// with backoff on a thread of its own (a refresh never waits for a delivery),
// and remembered in a state file so that a restart neither repeats what was
// sent nor loses what was not (transitions while it was down included).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jobmon/job_state.hpp"

namespace jobmon {

// One job as a refresh saw it.
struct JobObservation {
  std::string key;   // identity across refreshes and restarts: the job's path
  std::string id;    // the web id, when the tool has one
  std::string name;
  std::string kind;  // "datatrove", "data_juicer"
  JobStatus status = JobStatus::pending;
  std::string reason;  // the state model's evidence
  std::int64_t done = 0, total = 0, failed = 0;
};

enum class NotifyEventKind { failed, stalled, complete, recovered };
const char* to_string(NotifyEventKind kind);

struct NotifyEvent {
  std::string id;  // unique per event (receivers may deduplicate on it)
  NotifyEventKind kind = NotifyEventKind::failed;
  JobStatus previous = JobStatus::pending;
  double at = 0;   // epoch seconds of the refresh that saw it
  JobObservation job;
};

enum class NotifyFormat { json, slack };

struct NotifyOptions {
  std::string webhook_url;  // POSTed each event (http or https)
  // Run with /bin/sh -c for each event; the event is in JOBMON_EVENT_JSON, and
  // JOBMON_EVENT, JOBMON_JOB_NAME, JOBMON_JOB_PATH, JOBMON_JOB_STATUS.
  std::string command;
  NotifyFormat format = NotifyFormat::json;  // of the webhook body
  // Last states and undelivered events, kept across restarts; empty: in
  // memory only (the first refresh is then a silent baseline).
  std::string state_file;
  std::string source;                 // who sends: "jobmon-serve@host"
  int max_attempts = 6;               // per event and target; then it is given up (counted)
  double first_retry_seconds = 1;     // doubling up to max_retry_seconds
  double max_retry_seconds = 60;
  double timeout_seconds = 10;        // one delivery
  std::size_t max_queue = 1000;       // waiting events; beyond, the oldest are dropped (counted)
};

struct NotifyStats {
  std::uint64_t queued = 0, delivered = 0, given_up = 0, dropped = 0, retries = 0;
  std::size_t waiting = 0;
  std::string last_error;
};

class Notifier {
 public:
  // Reads the state file (a missing one is a fresh start; a corrupt one is
  // set aside as <file>.corrupt and said in last_error). Throws UsageError
  // for a webhook URL that is not http(s).
  explicit Notifier(NotifyOptions options);
  ~Notifier();  // stops; events not yet delivered stay in the state file
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Compares each job with its last known state and queues an event per
  // transition: to failed, to stalled, to complete, and from failed or
  // stalled back to running or pending (recovered). A job never seen before
  // counts as pending before, except on a fresh start (no state file yet),
  // whose first observation is a silent baseline: starting on a tree of 500
  // finished jobs sends nothing. Never blocks on delivery.
  void observe(const std::vector<JobObservation>& jobs, double now);

  // Waits until nothing is waiting or timeout_seconds passed; true when empty.
  bool flush(double timeout_seconds);
  NotifyStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where notifications remember what they sent when no --notify-state is
// given: $XDG_STATE_HOME/jobmon/notify-state.json (~/.local/state/...); its
// directory is made when the Notifier starts. Empty without HOME.
std::string default_notify_state_file();

// The documented bodies: {"event", "id", "at", "source", "job": {...}} and
// Slack's {"text": ...}.
std::string notification_json(const NotifyEvent& event, const std::string& source);
std::string slack_json(const NotifyEvent& event, const std::string& source);

}  // namespace jobmon
