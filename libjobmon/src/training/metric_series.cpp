#include "jobmon/training/metric_series.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>

namespace jobmon {
namespace {

// The name without a split prefix (eval_loss -> loss); path parts stay:
// "rewards/format_reward/mean" is a reward.
std::string_view metric_stem(std::string_view name) {
  for (std::string_view prefix : {"eval_", "train_", "val_", "valid_", "validation_", "test_", "epoch_"}) {
    if (name.starts_with(prefix)) {
      name.remove_prefix(prefix.size());
      break;
    }
  }
  return name;
}

bool contains_word(std::string_view stem, std::string_view word) {
  return stem.find(word) != std::string_view::npos;
}

}  // namespace

MetricGoal metric_goal(std::string_view name) {
  std::string lowered(metric_stem(name));
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view stem = lowered;
  // Throughput and bookkeeping first: "loss" inside "samples_per_second" never occurs,
  // but "runtime", "rate" and counts must never get a best.
  static constexpr std::array<std::string_view, 9> neutral{"runtime", "per_second", "learning_rate", "grad_norm",
                                                           "flos", "num_tokens", "tokens_seen", "gen_len", "epoch"};
  for (std::string_view word : neutral) {
    if (contains_word(stem, word)) return MetricGoal::none;
  }
  static constexpr std::array<std::string_view, 8> lower{"loss", "wer", "cer", "perplexity", "error", "mse", "mae", "rmse"};
  for (std::string_view word : lower) {
    if (contains_word(stem, word)) return MetricGoal::lower;
  }
  static constexpr std::array<std::string_view, 12> higher{"accuracy", "f1", "precision", "recall", "bleu", "rouge",
                                                           "exact_match", "auc", "map", "reward", "score", "iou"};
  for (std::string_view word : higher) {
    if (contains_word(stem, word)) return MetricGoal::higher;
  }
  if (stem == "acc") return MetricGoal::higher;
  return MetricGoal::none;
}

const char* to_string(MetricGoal goal) {
  switch (goal) {
    case MetricGoal::lower: return "lower";
    case MetricGoal::higher: return "higher";
    case MetricGoal::none: break;
  }
  return "none";
}

MetricSeries::MetricSeries(MetricGoal goal, std::size_t max_points)
    : goal_(goal), max_points_(std::max<std::size_t>(max_points, 2)) {}

void MetricSeries::add(std::int64_t step, double value, std::optional<double> wall_time) {
  const MetricPoint point{step, value, wall_time};
  if (count_ == 0) {
    first_ = point;
    min_step_ = max_step_ = step;
  }
  min_step_ = std::min(min_step_, step);
  max_step_ = std::max(max_step_, step);
  last_ = point;
  if (!std::isfinite(value)) {
    ++non_finite_;
  } else if (goal_ != MetricGoal::none) {
    const bool better = !best_ || (goal_ == MetricGoal::lower ? value < best_->value : value > best_->value);
    if (better) best_ = point;
  }
  // Keep every stride_-th value; when full, halve the kept points and double the stride.
  if (count_ % stride_ == 0) {
    if (kept_.size() >= max_points_ - 1) {
      std::size_t out = 0;
      for (std::size_t i = 0; i < kept_.size(); i += 2) kept_[out++] = kept_[i];
      kept_.resize(out);
      stride_ *= 2;
    }
    if (count_ % stride_ == 0) kept_.push_back(point);
  }
  ++count_;
}

std::vector<MetricPoint> MetricSeries::points() const {
  std::vector<MetricPoint> out = kept_;
  // The kept points start at the first value; add the last one when the stride skipped it.
  if (count_ > 0 && (count_ - 1) % stride_ != 0) out.push_back(last_);
  return out;
}

}  // namespace jobmon
