// MetricSeries: one scalar series of a training run (loss, eval_wer,
// train/learning_rate...) with its exact count, last value and best value,
// and a bounded set of points for charts, so a run logged every step for
// days costs the same memory as a short one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace jobmon {

// Which way is better for a metric, judged from the words of its name (split
// on anything not a letter or digit, any case; split words train/eval/val/valid/validation/test and a
// trailing _step/_epoch dropped): lower for loss, wer, cer, perplexity, ppl,
// error, mse, mae, rmse, nll; higher for accuracy, acc, f1, precision, recall,
// bleu*, rouge*, exact_match, auc, map, reward(s), score, iou, em; none for
// everything else (learning_rate, grad_norm, runtime, *_per_second, flos, a
// name that is only "epoch"), which then has no best. Whole words only:
// "train/power" is not a wer.
enum class MetricGoal { none, lower, higher };
MetricGoal metric_goal(std::string_view name);
const char* to_string(MetricGoal goal);  // "none" | "lower" | "higher"

struct MetricPoint {
  std::int64_t step = 0;
  double value = 0;                 // may be NaN or infinite as written
  std::optional<double> wall_time;  // epoch seconds, where the writer records one (TensorBoard)
};

class MetricSeries {
 public:
  // max_points: the most points points() returns (at least 2).
  explicit MetricSeries(MetricGoal goal = MetricGoal::none, std::size_t max_points = 1024);

  // One value, in the order the writer wrote them.
  void add(std::int64_t step, double value, std::optional<double> wall_time = {});

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  MetricGoal goal() const { return goal_; }
  // The last value added (count() > 0).
  const MetricPoint& last() const { return last_; }
  const MetricPoint& first() const { return first_; }
  // The best finite value and the step of its first occurrence; none for
  // goal none or when no value was finite.
  std::optional<MetricPoint> best() const { return best_; }
  std::int64_t min_step() const { return min_step_; }
  std::int64_t max_step() const { return max_step_; }
  // Values that were NaN or infinite (kept as last, never best).
  std::uint64_t non_finite() const { return non_finite_; }

  // At most max_points points spread evenly over the whole series, in the
  // order added; the first and the last point are always included.
  std::vector<MetricPoint> points() const;

 private:
  MetricGoal goal_;
  std::size_t max_points_;
  std::uint64_t count_ = 0, non_finite_ = 0;
  MetricPoint first_, last_;
  std::optional<MetricPoint> best_;
  std::int64_t min_step_ = 0, max_step_ = 0;
  // Every stride_-th value added is kept; when the kept points reach
  // max_points, every other one is dropped and the stride doubles.
  std::vector<MetricPoint> kept_;
  std::uint64_t stride_ = 1;
};

}  // namespace jobmon
