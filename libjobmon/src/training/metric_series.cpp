#include "jobmon/training/metric_series.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <string>
#include <vector>

namespace jobmon {
namespace {

// The name's words, lowered: split on anything not a letter or digit ("train/epoch_loss"
// -> train epoch loss), so that "power" is never "wer" and "epoch_loss" is a loss.
std::vector<std::string> name_words(std::string_view name) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

bool is_split_word(std::string_view w) {
  return w == "train" || w == "eval" || w == "val" || w == "valid" || w == "validation" || w == "test";
}

bool has_pair(const std::vector<std::string>& words, std::string_view a, std::string_view b) {
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == a && words[i + 1] == b) return true;
  }
  return false;
}

}  // namespace

MetricGoal metric_goal(std::string_view name) {
  std::vector<std::string> words = name_words(name);
  // Split words (train, eval, val...) and Lightning's _step/_epoch suffixes say
  // where or when it was logged, not what it measures.
  std::erase_if(words, [](const std::string& w) { return is_split_word(w); });
  if (words.size() > 1 && (words.back() == "step" || words.back() == "epoch")) words.pop_back();
  if (words.empty()) return MetricGoal::none;
  // Throughput and bookkeeping never get a best; "epoch" only as the whole name
  // (Keras' epoch_loss is a loss).
  if (words.size() == 1 && words[0] == "epoch") return MetricGoal::none;
  if (has_pair(words, "per", "second") || has_pair(words, "learning", "rate") || has_pair(words, "grad", "norm") ||
      has_pair(words, "num", "tokens") || has_pair(words, "tokens", "seen") || has_pair(words, "gen", "len")) {
    return MetricGoal::none;
  }
  for (const std::string& w : words) {
    if (w == "runtime" || w == "flos" || w == "lr") return MetricGoal::none;
  }
  static constexpr std::array<std::string_view, 10> lower{"loss", "wer", "cer", "perplexity", "ppl", "error",
                                                          "mse", "mae", "rmse", "nll"};
  for (const std::string& w : words) {
    for (std::string_view l : lower) {
      if (w == l) return MetricGoal::lower;
    }
  }
  static constexpr std::array<std::string_view, 14> higher{"accuracy", "acc", "f1", "precision", "recall", "bleu",
                                                           "auc", "map", "reward", "rewards", "score", "iou",
                                                           "sacrebleu", "em"};
  for (const std::string& w : words) {
    if (w.starts_with("rouge") || w.starts_with("bleu")) return MetricGoal::higher;  // rougeLsum, bleu4
    for (std::string_view h : higher) {
      if (w == h) return MetricGoal::higher;
    }
  }
  if (has_pair(words, "exact", "match")) return MetricGoal::higher;
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
  // stride_ is a power of two: a mask, not a division, per value.
  if ((count_ & (stride_ - 1)) == 0) {
    if (kept_.size() >= max_points_ - 1) {
      std::size_t out = 0;
      for (std::size_t i = 0; i < kept_.size(); i += 2) kept_[out++] = kept_[i];
      kept_.resize(out);
      stride_ *= 2;
    }
    if ((count_ & (stride_ - 1)) == 0) kept_.push_back(point);
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
