#include "jobmon/eta.hpp"

#include <algorithm>
#include <cmath>

namespace jobmon {

EtaEstimator::EtaEstimator(double total, EtaOptions options) : total_(total), options_(options) {}

void EtaEstimator::set_start(double time, double done_before) {
  start_ = time;
  if (!last_time_) {
    baseline_ = std::max(0.0, done_before);
    done_ = std::max(done_, baseline_);
    pending_start_time_ = time;
    pending_done_ = baseline_;
  }
}

void EtaEstimator::add(double time, double done) {
  if (!std::isfinite(time) || !std::isfinite(done)) return;
  if (!start_) {
    set_start(time, done);  // the first sample is the baseline: no rate from it alone
    return;
  }
  if (last_time_ && time < *last_time_) return;
  if (!last_time_ && time < pending_start_time_) {
    // A completion before the recorded start (clock skew): move the start.
    start_ = time;
    pending_start_time_ = time;
  }
  if (done <= done_) return;  // no new units: the open arrival stays as it is
  // A sample with new units: part of the open arrival when it follows the
  // last one closely, else the open arrival is complete and this one opens
  // the next.
  if (arrival_first_ && last_time_) {
    const double quiet_before = *arrival_first_ - pending_start_time_;
    const double max_gap = std::max(options_.burst_seconds, options_.burst_gap_fraction * quiet_before);
    const double max_span = std::max(options_.burst_seconds, options_.burst_span_fraction * quiet_before);
    const bool joins = time - *last_time_ < max_gap && time - *arrival_first_ < max_span;
    if (!joins) commit();
  }
  if (!arrival_first_) arrival_first_ = time;
  done_ = done;
  last_time_ = time;
}

void EtaEstimator::commit() {
  if (!arrival_first_ || !last_time_) return;
  arrival_first_.reset();
  const double time = *last_time_;
  const double dt = time - pending_start_time_;
  const double dd = done_ - pending_done_;
  if (dd <= 0 || dt <= 0) return;  // same instant as the interval start: keep accumulating
  const double elapsed = time - *start_;
  const double tau = std::max(options_.min_time_constant, options_.time_constant_fraction * elapsed);
  const double alpha = 1.0 - std::exp(-dt / tau);
  ema_rate_ = ema_rate_ * (1 - alpha) + (dd / dt) * alpha;
  ema_batch_ = ema_batch_ * (1 - alpha) + dd * alpha;
  ema_weight_ = ema_weight_ * (1 - alpha) + alpha;
  pending_start_time_ = time;
  pending_done_ = done_;
}

void EtaEstimator::add_completions(std::vector<double> times) {
  std::sort(times.begin(), times.end());
  double count = done_;
  for (std::size_t i = 0; i < times.size(); ++i) {
    count += 1;
    // Equal times are one sample: the estimator sees the whole batch at once.
    if (i + 1 < times.size() && times[i + 1] == times[i]) continue;
    add(times[i], count);
  }
}

EtaEstimate EtaEstimator::finish(double now, std::optional<double> rate, std::optional<double> usual_rate) const {
  EtaEstimate out;
  out.rate = rate;
  if (last_time_) out.seconds_since_progress = std::max(0.0, now - *last_time_);
  else if (start_) out.seconds_since_progress = std::max(0.0, now - *start_);
  if (done_ >= total_) {
    out.remaining_seconds = 0;
    out.finish_time = last_time_ ? *last_time_ : now;
    return out;
  }
  if (usual_rate && *usual_rate > 0) {
    const double batch = ema_weight_ > 0 ? std::max(1.0, ema_batch_ / ema_weight_) : 1.0;
    const double usual_gap = batch / *usual_rate;
    out.stalled = out.seconds_since_progress > std::max(options_.min_stall_seconds, options_.stall_factor * usual_gap);
  }
  if (rate && *rate > 0) {
    out.remaining_seconds = (total_ - done_) / *rate;
    out.finish_time = now + *out.remaining_seconds;
  } else if (start_ && now - *start_ > options_.min_stall_seconds) {
    out.stalled = true;  // nothing done at all for a long time
  }
  return out;
}

EtaEstimate EtaEstimator::linear(double now) const {
  std::optional<double> rate;
  if (start_ && done_ > baseline_ && now > *start_) rate = (done_ - baseline_) / (now - *start_);
  return finish(now, rate, rate);
}

EtaEstimate EtaEstimator::smoothed(double now) const {
  if (arrival_first_) {
    // The open arrival counts as complete for this estimate only.
    EtaEstimator settled = *this;
    settled.commit();
    return settled.smoothed(now);
  }
  std::optional<double> rate, usual;
  if (ema_weight_ > 0) {
    rate = ema_rate_ / ema_weight_;
  } else if (start_ && last_time_ && *last_time_ > *start_ && done_ > baseline_) {
    // Only one batch so far: its average since the start is the best guess.
    rate = (done_ - baseline_) / (*last_time_ - *start_);
  }
  if (rate && *rate > 0 && last_time_ && done_ < total_) {
    // While nothing arrives, the rate cannot stay at its old value: a
    // stalled job's ETA grows with the silence.
    usual = rate;
    const double batch = ema_weight_ > 0 ? std::max(1.0, ema_batch_ / ema_weight_) : std::max(1.0, done_ - baseline_);
    const double usual_gap = batch / *rate;
    // Silence beyond two usual gaps counts against the rate; continuous at
    // silence = 3 gaps, so ordinary jitter between arrivals changes nothing.
    const double excess = now - *last_time_ - 2 * usual_gap;
    if (excess > 0) rate = std::min(*rate, batch / excess);
  }
  return finish(now, rate, usual ? usual : rate);
}

}  // namespace jobmon
