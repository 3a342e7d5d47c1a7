#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "jobmon/training/metric_series.hpp"

using namespace jobmon;

TEST_CASE("MetricSeries: goal from the metric's name", "[training]") {
  CHECK(metric_goal("loss") == MetricGoal::lower);
  CHECK(metric_goal("eval_loss") == MetricGoal::lower);
  CHECK(metric_goal("train/loss") == MetricGoal::lower);
  CHECK(metric_goal("eval_wer_ortho") == MetricGoal::lower);
  CHECK(metric_goal("eval/accuracy") == MetricGoal::higher);
  CHECK(metric_goal("eval_bleu-4") == MetricGoal::higher);
  CHECK(metric_goal("eval_rougeLsum") == MetricGoal::higher);
  CHECK(metric_goal("eval_overall_f1") == MetricGoal::higher);
  CHECK(metric_goal("rewards/format_reward/mean") == MetricGoal::higher);
  CHECK(metric_goal("learning_rate") == MetricGoal::none);
  CHECK(metric_goal("train/learning_rate") == MetricGoal::none);
  CHECK(metric_goal("grad_norm") == MetricGoal::none);
  CHECK(metric_goal("eval_runtime") == MetricGoal::none);
  CHECK(metric_goal("eval_samples_per_second") == MetricGoal::none);
  CHECK(metric_goal("epoch") == MetricGoal::none);
  CHECK(metric_goal("eval_gen_len") == MetricGoal::none);
  // Whole words, not substrings; split words and Lightning's _step/_epoch suffixes dropped.
  CHECK(metric_goal("train/epoch_loss") == MetricGoal::lower);         // Keras
  CHECK(metric_goal("validation/epoch_accuracy") == MetricGoal::higher);
  CHECK(metric_goal("train_loss_epoch") == MetricGoal::lower);         // Lightning
  CHECK(metric_goal("val_loss_epoch") == MetricGoal::lower);
  CHECK(metric_goal("val_acc_epoch") == MetricGoal::higher);
  CHECK(metric_goal("train_loss_step") == MetricGoal::lower);
  CHECK(metric_goal("valid/acc") == MetricGoal::higher);
  CHECK(metric_goal("eval_answer_length") == MetricGoal::none);        // not "wer"... nor anything
  CHECK(metric_goal("train/power") == MetricGoal::none);               // "wer" inside a word
  CHECK(metric_goal("train/epoch") == MetricGoal::none);
  CHECK(metric_goal("epoch_step") == MetricGoal::none);
  CHECK(metric_goal("eval_exact_match") == MetricGoal::higher);
  CHECK(metric_goal("eval_steps_per_second") == MetricGoal::none);
  CHECK(metric_goal("total_flos") == MetricGoal::none);
}

TEST_CASE("MetricSeries: exact last, best and count; bounded points", "[training]") {
  MetricSeries s(MetricGoal::lower, 16);
  for (int i = 0; i < 1000; ++i) s.add(i * 10, 100.0 - i * 0.1 + (i == 500 ? -200 : 0));
  CHECK(s.count() == 1000);
  CHECK(s.last().step == 9990);
  CHECK(s.last().value == Approx(100.0 - 999 * 0.1));
  REQUIRE(s.best());
  CHECK(s.best()->step == 5000);
  CHECK(s.first().step == 0);
  CHECK(s.min_step() == 0);
  CHECK(s.max_step() == 9990);
  const auto points = s.points();
  CHECK(points.size() <= 16);
  CHECK(points.size() >= 8);
  CHECK(points.front().step == 0);
  CHECK(points.back().step == 9990);
  for (std::size_t i = 1; i < points.size(); ++i) CHECK(points[i].step > points[i - 1].step);
}

TEST_CASE("MetricSeries: non-finite values are last but never best", "[training]") {
  MetricSeries s(MetricGoal::lower);
  s.add(1, 2.0);
  s.add(2, std::numeric_limits<double>::quiet_NaN());
  s.add(3, -std::numeric_limits<double>::infinity());
  CHECK(s.count() == 3);
  CHECK(s.non_finite() == 2);
  CHECK(std::isinf(s.last().value));
  REQUIRE(s.best());
  CHECK(s.best()->value == 2.0);
  MetricSeries neutral(MetricGoal::none);
  neutral.add(1, 1.0);
  CHECK_FALSE(neutral.best());
  CHECK(neutral.points().size() == 1);
}
