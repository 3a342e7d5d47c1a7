#include "jobmon/training/run_report.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "core/text/text.hpp"

namespace jobmon {
namespace {

// "eval/loss" -> "loss".
std::string_view leaf(std::string_view name) {
  const auto slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

bool is_loss_name(std::string_view name) {
  const std::string l = detail::ascii_lower(leaf(name));
  return l == "loss" || l.ends_with("_loss") || l.starts_with("loss_") || l.find("_loss_") != std::string::npos;
}

// The other spelling of one series: trainer_state.json's "loss" / "eval_wer"
// against TensorBoard's "train/loss" / "eval/wer".
std::optional<std::string> twin_of(std::string_view name) {
  if (name.starts_with("train/")) return std::string(name.substr(6));
  if (name.starts_with("eval/")) return "eval_" + std::string(name.substr(5));
  if (name.starts_with("eval_")) return "eval/" + std::string(name.substr(5));
  if (name.find('/') == std::string_view::npos) return "train/" + std::string(name);
  return std::nullopt;
}

// Of the series `rank` accepts (lower preferred; negative: not a candidate),
// the one written last.
template <class Rank>
const MetricSeries* freshest(const TrainingRun& run, Rank rank, std::string* name) {
  const MetricSeries* best = nullptr;
  int best_rank = 0;
  for (const auto& [n, series] : run.metrics) {
    const int r = series.empty() ? -1 : rank(n, series);
    if (r < 0) continue;
    if (best == nullptr || series.last().step > best->last().step ||
        (series.last().step == best->last().step && r < best_rank)) {
      best = &series;
      best_rank = r;
      if (name != nullptr) *name = n;
    }
  }
  return best;
}

template <std::size_t N>
int rank_in(const std::array<std::string_view, N>& names, std::string_view name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

// The writers' spellings, preferred first: trainer_state.json, TensorBoard, Lightning, Keras.
constexpr std::array<std::string_view, 6> loss_names = {"loss", "train/loss", "train_loss", "train_loss_step",
                                                        "train_loss_epoch", "epoch_loss"};
constexpr std::array<std::string_view, 6> eval_loss_names = {"eval_loss", "eval/loss", "val_loss", "validation/loss",
                                                             "val/loss", "validation/epoch_loss"};

}  // namespace

bool is_eval_metric(std::string_view name) {
  const std::string n = detail::ascii_lower(name);
  for (std::string_view prefix : {"eval_", "eval/", "val_", "val/", "valid_", "valid/", "validation_", "validation/",
                                  "validation-", "test_", "test/", "epoch_val_"}) {
    if (n.starts_with(prefix)) return true;
  }
  return false;
}

bool is_stale_copy(const TrainingRun& run, std::string_view name) {
  const auto twin = twin_of(name);
  if (!twin) return false;
  const auto other = run.metrics.find(*twin);
  if (other == run.metrics.end() || other->second.empty()) return false;
  const auto self = run.metrics.find(name);
  if (self == run.metrics.end() || self->second.empty()) return true;
  const std::int64_t mine = self->second.last().step, theirs = other->second.last().step;
  if (mine != theirs) return mine < theirs;
  return name.find('/') != std::string_view::npos;  // a tie: trainer_state.json's spelling is kept
}

const MetricSeries* train_loss_series(const TrainingRun& run, std::string* name) {
  if (const MetricSeries* s =
          freshest(run, [](const std::string& n, const MetricSeries&) { return rank_in(loss_names, n); }, name)) {
    return s;
  }
  return freshest(run, [](const std::string& n, const MetricSeries&) { return !is_eval_metric(n) && is_loss_name(n) ? 0 : -1; },
                  name);
}

const MetricSeries* eval_loss_series(const TrainingRun& run, std::string* name) {
  if (const MetricSeries* s =
          freshest(run, [](const std::string& n, const MetricSeries&) { return rank_in(eval_loss_names, n); }, name)) {
    return s;
  }
  return freshest(run, [](const std::string& n, const MetricSeries&) { return is_eval_metric(n) && is_loss_name(n) ? 0 : -1; },
                  name);
}

const MetricSeries* eval_metric_series(const TrainingRun& run, std::string* name) {
  // At the same step: trainer_state.json's spelling (eval_accuracy) before TensorBoard's (eval/accuracy).
  return freshest(run,
                  [](const std::string& n, const MetricSeries& s) {
                    if (!is_eval_metric(n) || is_loss_name(n) || s.goal() == MetricGoal::none) return -1;
                    return n.starts_with("eval_") ? 0 : 1;
                  },
                  name);
}

std::vector<Warning> training_warnings(const TrainingScanResult& scan) {
  std::vector<Warning> out = scan.warnings;
  for (const auto& run : scan.runs) {
    for (const std::string& problem : run->problems) out.push_back({run->path, problem});
  }
  return out;
}

std::vector<Warning> without_training_dirs(std::vector<Warning> warnings, const TrainingRuns& runs) {
  if (runs.empty()) return warnings;
  std::vector<std::string> dirs, containers;  // the runs' dirs; the dirs above them (lightning_logs/)
  dirs.reserve(runs.size());
  for (const auto& run : runs) {
    dirs.push_back(detail::without_trailing_slash(run->path));
    const std::string& dir = dirs.back();
    for (std::size_t end = dir.rfind('/'); end != std::string::npos && end > 0; end = dir.rfind('/', end - 1)) {
      containers.push_back(dir.substr(0, end));
    }
  }
  std::sort(dirs.begin(), dirs.end());
  std::sort(containers.begin(), containers.end());
  std::erase_if(warnings, [&](const Warning& w) {
    const std::string path = detail::without_trailing_slash(w.path);
    if (w.message.starts_with("not a job") && std::binary_search(containers.begin(), containers.end(), path)) return true;
    // The path itself or one of its parents is a run's dir.
    for (std::size_t end = path.size(); end != std::string::npos && end > 0; end = path.rfind('/', end - 1)) {
      if (std::binary_search(dirs.begin(), dirs.end(), path.substr(0, end))) return true;
    }
    return false;
  });
  return warnings;
}

boost::json::array to_json(const TrainingRuns& runs) {
  boost::json::array out;
  out.reserve(runs.size());
  for (const auto& run : runs) out.push_back(to_json(*run));
  return out;
}

}  // namespace jobmon
