// One worker thread at a time, started when the answer at hand is stale.
#include "scheduler/background_query.hpp"

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace jobmon::detail {
namespace {

class BackgroundQuery final : public SchedulerQuery {
 public:
  BackgroundQuery(std::unique_ptr<SchedulerQuery> inner, double refresh_seconds)
      : inner_(std::move(inner)), refresh_seconds_(refresh_seconds) {}

  ~BackgroundQuery() override {
    inner_->stop();  // a question in flight ends now (its commands killed): quitting never waits on Slurm
    if (worker_.joinable()) worker_.join();
  }

  std::string_view kind() const override { return inner_->kind(); }
  void stop() override { inner_->stop(); }

  using SchedulerQuery::query;
  SchedulerAnswer query(const SchedulerRequest& request, double now) override { return *shared_query(request, now); }

  std::shared_ptr<const SchedulerAnswer> shared_query(const SchedulerRequest& request, double now) override {
    SchedulerRequest wanted = normalized(request);
    std::unique_lock lock(mutex_);
    take_finished();
    if (!answer_ || !covers(asked_, wanted)) {
      // Nothing to show for these ids yet: wait for a running question,
      // then ask here (the inner query is one thread's at a time).
      done_.wait(lock, [&] { return !busy_; });
      take_finished();
      if (!answer_ || !covers(asked_, wanted)) ask_here(lock, std::move(wanted), now);
      return answer_;
    }
    if (!busy_ && !answer_->fresh_at(now, refresh_seconds_)) start_worker(std::move(wanted), now);
    return answer_;
  }

 private:
  // A worker's answer, once it has come, becomes the one at hand.
  void take_finished() {
    if (!finished_) return;
    answer_ = std::move(finished_);
    asked_ = std::move(finished_asked_);
    finished_.reset();
  }

  // Asks on this thread, the lock released meanwhile; busy_ is set while it
  // asks and cleared whatever happens (an exception passes on to the caller).
  void ask_here(std::unique_lock<std::mutex>& lock, SchedulerRequest wanted, double now) {
    busy_ = true;
    lock.unlock();
    std::shared_ptr<const SchedulerAnswer> answer;
    try {
      if (worker_.joinable()) worker_.join();  // it has finished: busy_ was false
      answer = inner_->shared_query(wanted, now);
    } catch (...) {
      lock.lock();
      busy_ = false;
      done_.notify_all();
      throw;
    }
    lock.lock();
    answer_ = std::move(answer);
    asked_ = std::move(wanted);
    busy_ = false;
    done_.notify_all();
  }

  // Asks on a thread of its own; the lock is held. A worker whose question
  // fails leaves the answer at hand (the next refresh asks again); no thread
  // to be had, the same.
  void start_worker(SchedulerRequest wanted, double now) {
    if (worker_.joinable()) worker_.join();  // it has finished: busy_ was false
    try {
      worker_ = std::thread([this, wanted = std::move(wanted), now]() mutable {
        std::shared_ptr<const SchedulerAnswer> answer;
        try {
          answer = inner_->shared_query(wanted, now);
        } catch (...) {
          answer.reset();
        }
        std::lock_guard guard(mutex_);
        if (answer) {
          finished_ = std::move(answer);
          finished_asked_ = std::move(wanted);
        }
        busy_ = false;
        done_.notify_all();
      });
      busy_ = true;  // the worker cannot clear it before the lock is released
    } catch (const std::system_error&) {
    }
  }

  std::unique_ptr<SchedulerQuery> inner_;
  double refresh_seconds_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool busy_ = false;                                // a question is being asked
  std::shared_ptr<const SchedulerAnswer> answer_;    // the answer at hand
  SchedulerRequest asked_;                           // what it was asked (normalized)
  std::shared_ptr<const SchedulerAnswer> finished_;  // a worker's, not yet taken
  SchedulerRequest finished_asked_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<SchedulerQuery> ask_in_background(std::unique_ptr<SchedulerQuery> inner, double refresh_seconds) {
  return std::make_unique<BackgroundQuery>(std::move(inner), refresh_seconds);
}

}  // namespace jobmon::detail
