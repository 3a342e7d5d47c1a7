// One worker thread at a time, started when the answer at hand is stale.
#include "scheduler/background_query.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

namespace jobmon::detail {
namespace {

class BackgroundQuery final : public SchedulerQuery {
 public:
  BackgroundQuery(std::unique_ptr<SchedulerQuery> inner, double refresh_seconds)
      : inner_(std::move(inner)), refresh_seconds_(refresh_seconds) {}

  ~BackgroundQuery() override {
    if (worker_.joinable()) worker_.join();  // bounded by the commands' timeout
  }

  std::string_view kind() const override { return inner_->kind(); }

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
      if (!answer_ || !covers(asked_, wanted)) {
        busy_ = true;
        lock.unlock();
        if (worker_.joinable()) worker_.join();
        auto answer = inner_->shared_query(wanted, now);
        lock.lock();
        answer_ = std::move(answer);
        asked_ = std::move(wanted);
        busy_ = false;
        done_.notify_all();
      }
      return answer_;
    }
    if (!busy_ && now - answer_->taken_at >= refresh_seconds_) {
      busy_ = true;
      if (worker_.joinable()) worker_.join();  // it has finished: busy_ was false
      worker_ = std::thread([this, wanted = std::move(wanted), now]() mutable {
        auto answer = inner_->shared_query(wanted, now);
        std::lock_guard guard(mutex_);
        finished_ = std::move(answer);
        finished_asked_ = std::move(wanted);
        busy_ = false;
        done_.notify_all();
      });
    }
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

  std::unique_ptr<SchedulerQuery> inner_;
  double refresh_seconds_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool busy_ = false;                                // a worker is asking
  std::shared_ptr<const SchedulerAnswer> answer_;    // the answer at hand
  SchedulerRequest asked_;                           // what it was asked (sorted)
  std::shared_ptr<const SchedulerAnswer> finished_;  // a worker's, not yet taken
  SchedulerRequest finished_asked_;
  std::thread worker_;
};

}  // namespace

std::unique_ptr<SchedulerQuery> ask_in_background(std::unique_ptr<SchedulerQuery> inner, double refresh_seconds) {
  return std::make_unique<BackgroundQuery>(std::move(inner), refresh_seconds);
}

}  // namespace jobmon::detail
