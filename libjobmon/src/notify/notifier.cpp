// The Notifier: transitions found on the caller's thread, deliveries on its
// own (see notifier.hpp).
#include "jobmon/notify/notifier.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/system/curl.hpp"
#include "core/system/environment.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/json.hpp"
#include "notify/delivery.hpp"
#include "notify/notify_state.hpp"

namespace jobmon {
namespace {

using Clock = std::chrono::steady_clock;

// Which transitions are news (none for pending -> running and the like).
std::optional<NotifyEventKind> transition(JobStatus before, JobStatus now) {
  if (before == now) return std::nullopt;
  switch (now) {
    case JobStatus::failed: return NotifyEventKind::failed;
    case JobStatus::stalled: return NotifyEventKind::stalled;
    case JobStatus::complete: return NotifyEventKind::complete;
    case JobStatus::running:
    case JobStatus::pending:
      if (before == JobStatus::failed || before == JobStatus::stalled) return NotifyEventKind::recovered;
      return std::nullopt;
  }
  return std::nullopt;
}

const char* icon(NotifyEventKind k) {
  switch (k) {
    case NotifyEventKind::failed: return ":x:";
    case NotifyEventKind::stalled: return ":warning:";
    case NotifyEventKind::complete: return ":white_check_mark:";
    case NotifyEventKind::recovered: return ":arrows_counterclockwise:";
  }
  return "";
}

// One event on its way: each target is done once delivered or given up.
struct Delivery {
  NotifyEvent event;
  bool webhook_left = false, command_left = false;
  int webhook_attempts = 0, command_attempts = 0;
  Clock::time_point next_try = Clock::now();
};

}  // namespace

const char* to_string(NotifyEventKind kind) {
  switch (kind) {
    case NotifyEventKind::failed: return "failed";
    case NotifyEventKind::stalled: return "stalled";
    case NotifyEventKind::complete: return "complete";
    case NotifyEventKind::recovered: return "recovered";
  }
  return "failed";
}

std::string notification_json(const NotifyEvent& event, const std::string& source) {
  boost::json::value v = detail::event_to_json(event);
  boost::json::object& o = v.as_object();
  o.erase("at_epoch");
  o["source"] = source;
  return to_compact_json(v);  // valid UTF-8 whatever bytes a path holds
}

std::string slack_json(const NotifyEvent& e, const std::string& source) {
  std::string text = fmt::format("{} *{}* {} ({} → {}): {}/{} done", icon(e.kind), e.job.name, to_string(e.kind),
                                 to_string(e.previous), to_string(e.job.status), e.job.done, e.job.total);
  if (e.job.failed > 0) text += fmt::format(", {} failed", e.job.failed);
  if (!e.job.reason.empty()) text += "\n" + e.job.reason;
  if (!source.empty()) text += "\n_" + source + "_";
  return to_compact_json(boost::json::object{{"text", text}});
}

struct Notifier::Impl {
  NotifyOptions options;
  mutable std::mutex mutex;
  std::condition_variable wake;
  detail::NotifyState state;
  bool baseline_pending = false;  // fresh start: the first observation only records
  std::deque<Delivery> queue;
  NotifyStats stats;
  bool stopping = false;
  std::thread worker;

  void save_locked() {
    state.pending.clear();
    for (const auto& d : queue) state.pending.push_back(d.event);
    const std::string problem = detail::save_notify_state(options.state_file, state);
    if (!problem.empty()) stats.last_error = problem;
  }

  void enqueue_locked(NotifyEvent event) {
    Delivery d;
    d.event = std::move(event);
    d.webhook_left = !options.webhook_url.empty();
    d.command_left = !options.command.empty();
    if (!d.webhook_left && !d.command_left) return;
    if (queue.size() >= options.max_queue) {
      queue.pop_front();
      ++stats.dropped;
    }
    queue.push_back(std::move(d));
    ++stats.queued;
  }

  double retry_delay(int attempts) const {
    detail::Backoff b;
    b.first_seconds = options.first_retry_seconds;
    b.max_seconds = options.max_retry_seconds;
    return detail::backoff_delay(b, attempts, 0);
  }

  // One try of every target still left; true when the event is done.
  bool attempt(Delivery& d) {
    const std::string plain = notification_json(d.event, options.source);
    const std::string body = options.format == NotifyFormat::slack ? slack_json(d.event, options.source) : plain;
    std::string error;
    auto try_target = [&](bool& left, int& attempts, auto&& send) {
      if (!left) return;
      ++attempts;
      const detail::DeliveryResult r = send();
      if (r.ok) {
        left = false;
        return;
      }
      error = r.error;
      if (attempts >= options.max_attempts) {
        left = false;
        std::lock_guard lock(mutex);
        ++stats.given_up;
      }
    };
    try_target(d.webhook_left, d.webhook_attempts,
               [&] { return detail::post_webhook(options.webhook_url, body, options.timeout_seconds); });
    try_target(d.command_left, d.command_attempts,
               [&] { return detail::run_notify_command(options.command, d.event, plain, options.timeout_seconds); });
    std::lock_guard lock(mutex);
    if (!error.empty()) stats.last_error = error;
    if (d.webhook_left || d.command_left) {
      ++stats.retries;
      d.next_try = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                                      retry_delay(std::max(d.webhook_attempts, d.command_attempts))));
      return false;
    }
    if (error.empty()) ++stats.delivered;
    return true;
  }

  void run() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      if (queue.empty()) {
        wake.wait(lock);
        continue;
      }
      Delivery& front = queue.front();
      if (Clock::now() < front.next_try) {
        wake.wait_until(lock, front.next_try);
        continue;
      }
      Delivery d = front;  // delivered without the lock: observe() never waits on a receiver
      lock.unlock();
      const bool done = attempt(d);
      lock.lock();
      // The front may have been dropped meanwhile (queue full): match by id.
      if (!queue.empty() && queue.front().event.id == d.event.id) {
        if (done) queue.pop_front();
        else queue.front() = d;
      }
      save_locked();
      wake.notify_all();
    }
  }
};

std::string default_notify_state_file() {
  std::string base = detail::env_or_empty("XDG_STATE_HOME");
  if (base.empty()) {
    const std::string home = detail::env_or_empty("HOME");
    if (home.empty()) return {};
    base = home + "/.local/state";
  }
  return base + "/jobmon/notify-state.json";
}

Notifier::Notifier(NotifyOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  d.options = std::move(options);
  if (!d.options.webhook_url.empty() && !detail::is_http_url(d.options.webhook_url))
    throw UsageError("--notify-webhook: not an http(s) URL: " + d.options.webhook_url);
  if (!d.options.state_file.empty()) {
    std::error_code ec;  // a dir that cannot be made shows up as the file's write error
    std::filesystem::create_directories(std::filesystem::path(d.options.state_file).parent_path(), ec);
  }
  std::string problem;
  d.state = detail::load_notify_state(d.options.state_file, problem);
  if (!problem.empty()) {
    d.stats.last_error = problem + " (set aside as .corrupt; starting afresh)";
    std::rename(d.options.state_file.c_str(), (d.options.state_file + ".corrupt").c_str());
  }
  d.baseline_pending = !d.state.existed;
  for (auto& e : d.state.pending) d.enqueue_locked(std::move(e));  // not delivered before the restart
  d.state.pending.clear();
  d.worker = std::thread([&d] { d.run(); });
}

Notifier::~Notifier() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->save_locked();
  }
  impl_->wake.notify_all();
  impl_->worker.join();
}

void Notifier::observe(const std::vector<JobObservation>& jobs, double now) {
  Impl& d = *impl_;
  std::lock_guard lock(d.mutex);
  const bool baseline = d.baseline_pending;
  d.baseline_pending = false;
  bool changed = baseline;
  for (const JobObservation& job : jobs) {
    const auto it = d.state.last.find(job.key);
    const JobStatus before = it == d.state.last.end() ? JobStatus::pending : it->second;
    if (it != d.state.last.end() && before == job.status) continue;
    d.state.last[job.key] = job.status;
    changed = true;
    if (baseline) continue;
    if (const auto kind = transition(before, job.status)) {
      NotifyEvent e;
      e.id = fmt::format("{}-{}", static_cast<std::int64_t>(now), d.state.next_sequence++);
      e.kind = *kind;
      e.previous = before;
      e.at = now;
      e.job = job;
      d.enqueue_locked(std::move(e));
    }
  }
  if (changed) d.save_locked();
  d.wake.notify_all();
}

bool Notifier::flush(double timeout_seconds) {
  std::unique_lock lock(impl_->mutex);
  return impl_->wake.wait_for(lock, std::chrono::duration<double>(timeout_seconds), [&] { return impl_->queue.empty(); });
}

NotifyStats Notifier::stats() const {
  std::lock_guard lock(impl_->mutex);
  NotifyStats s = impl_->stats;
  s.waiting = impl_->queue.size();
  return s;
}

}  // namespace jobmon
