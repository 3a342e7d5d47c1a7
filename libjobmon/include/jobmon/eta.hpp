// EtaEstimator: progress samples (time, done) -> rate, remaining time, finish
// time. Two estimates: the reference tools' linear projection over the whole
// run, and a smoothed recent rate (EMA with bias correction, time-weighted so
// irregular sampling is fair) that also slows down while no progress arrives,
// so a stalled job's ETA grows instead of freezing.
#pragma once

#include <optional>
#include <vector>

namespace jobmon {

struct EtaSample {
  double time = 0;  // epoch seconds
  double done = 0;  // cumulative units done at that time
};

struct EtaEstimate {
  std::optional<double> rate;               // units per second
  std::optional<double> remaining_seconds;  // 0 when done; empty when unknown
  std::optional<double> finish_time;        // epoch seconds
  bool stalled = false;                     // no progress for far longer than usual
  double seconds_since_progress = 0;
};

struct EtaOptions {
  // Smoothing time constant as a fraction of the elapsed run time, floored
  // at min_time_constant: adapts to jobs whose units take seconds or hours.
  double time_constant_fraction = 0.15;
  double min_time_constant = 30;
  // Stalled: no progress for stall_factor x the usual gap between units, and
  // for at least min_stall_seconds.
  double stall_factor = 5;
  double min_stall_seconds = 600;
  // Progress that arrives as a burst (partitions finishing one operation
  // together, markers written by a copy) is one arrival of many units, not
  // many arrivals of one. A burst is told apart from the quiet spell S that
  // came before it: a sample joins the open arrival when it follows the
  // previous one by less than max(burst_seconds, burst_gap_fraction x S), and
  // the arrival spans at most max(burst_seconds, burst_span_fraction x S).
  // Steady progress (gaps like S) never merges. Counted one unit at a time, a
  // burst would make the usual wait look tiny and a normal quiet spell a stall.
  double burst_seconds = 1;
  double burst_gap_fraction = 0.05;
  double burst_span_fraction = 0.5;
};

class EtaEstimator {
 public:
  explicit EtaEstimator(double total, EtaOptions options = {});

  // Sets when the work started (e.g. when the job was launched) and how
  // much was already done then (a relaunch keeps the earlier attempt's
  // work; a restored copy arrives all at once): rates count only what was
  // done after it. Without it the first sample is the start and its done
  // count the baseline.
  void set_start(double time, double done_before = 0);
  // Adds a sample. Samples may come in any order of equal times; a sample
  // older than the latest one or with less done is ignored.
  void add(double time, double done);
  // Convenience: completion times of individual units (one unit each).
  void add_completions(std::vector<double> times);

  double total() const { return total_; }
  double done() const { return done_; }
  std::optional<double> start() const { return start_; }

  // remaining / (done / (now - start)), as datatrove's and Data-Juicer's tools do.
  EtaEstimate linear(double now) const;
  // Smoothed recent rate; the default estimate.
  EtaEstimate smoothed(double now) const;

 private:
  EtaEstimate finish(double now, std::optional<double> rate, std::optional<double> usual_rate) const;
  // Folds the open arrival into the smoothed rate.
  void commit();

  double total_;
  EtaOptions options_;
  std::optional<double> start_;
  double baseline_ = 0;               // done at the start: not part of any rate
  double done_ = 0;
  std::optional<double> last_time_;   // time of the latest sample with progress
  double pending_start_time_ = 0;     // start of the interval being accumulated
  double pending_done_ = 0;           // units done at pending_start_time_
  std::optional<double> arrival_first_;  // first sample of the open arrival (not yet in the EMA)
  double ema_rate_ = 0;               // biased EMA of the rate
  double ema_batch_ = 0;              // biased EMA of units per sample
  double ema_weight_ = 0;             // sum of weights, for bias correction
};

}  // namespace jobmon
