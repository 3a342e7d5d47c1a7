// /metrics as Prometheus and OpenMetrics read it: names, types, units, a
// job's series keeping their identity across state changes, no ETA where
// there is none, kinds apart, complete jobs dropped after a while.
#include <catch2/catch.hpp>

#include <map>
#include <cstdlib>
#include <set>
#include <sstream>

#include "jobmon/clock.hpp"
#include "jobmon/server/metrics.hpp"
#include "jobmon/version.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

namespace {

// One line of the text format: a comment, or name{label="value",...} number,
// label values with only \\, \" and \n escaped (no std::regex: GCC 12's
// warns inside it under the sanitizer build).
bool valid_line(const std::string& l) {
  if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0) return true;
  std::size_t i = 0;
  while (i < l.size() && ((l[i] >= 'a' && l[i] <= 'z') || l[i] == '_')) ++i;
  if (i == 0) return false;
  if (i < l.size() && l[i] == '{') {
    ++i;
    while (i < l.size() && l[i] != '}') {
      while (i < l.size() && ((l[i] >= 'a' && l[i] <= 'z') || l[i] == '_')) ++i;
      if (l.compare(i, 2, "=\"") != 0) return false;
      i += 2;
      while (i < l.size() && l[i] != '"') {
        if (l[i] == '\n') return false;
        if (l[i] == '\\') {
          if (i + 1 >= l.size() || (l[i + 1] != '\\' && l[i + 1] != '"' && l[i + 1] != 'n')) return false;
          ++i;
        }
        ++i;
      }
      if (i >= l.size()) return false;
      ++i;  // the closing quote
      if (i < l.size() && l[i] == ',') ++i;
    }
    if (i >= l.size()) return false;
    ++i;  // '}'
  }
  if (i >= l.size() || l[i] != ' ') return false;
  const std::string number = l.substr(i + 1);
  char* end = nullptr;
  std::strtod(number.c_str(), &end);
  return !number.empty() && end == number.c_str() + number.size();
}

// Each sample line as (name{labels}, value).
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::set<std::string> series(const std::string& text) {
  std::set<std::string> out;
  for (const auto& [key, value] : samples(text)) out.insert(key);
  return out;
}

std::string id_of(const JobRegistry& r, const std::string& name) {
  for (const auto& e : r.entries()) {
    if (e.name == name) return e.id;
  }
  return {};
}

std::string metrics_of(const JobRegistry& r, MetricsOptions o = {}) {
  const auto entries = r.entries_view();
  MetricsInputs in;
  in.entries = entries.get();
  in.warnings = r.warnings().size();
  in.last_refresh = r.last_refresh();
  in.refresh_duration_seconds = r.last_refresh_duration();
  return render_metrics(in, o);
}

}  // namespace

TEST_CASE("/metrics: a job's state is a state set whose series survive a change of state", "[server]") {
  test::TempTree t;
  t.make_job("logs/tok", 4, {0, 1});
  t.write("logs/tok/logs/task_00002.log", "2026-12-06 10:00:00.000 | INFO     | m:f:1 - Launching pipeline for rank=2\n");
  const double now = wall_clock_now();
  JobRegistry r(std::make_shared<LocalStorage>(), {t.path("logs")});
  r.refresh(now);
  const std::string id = id_of(r, "tok");
  const std::string labels = "id=\"" + id + "\",name=\"tok\"";
  const std::string before = metrics_of(r);
  auto s = samples(before);
  CHECK(s.at("jobmon_job_state{" + labels + ",kind=\"datatrove\",state=\"running\"}") == 1);
  CHECK(s.at("jobmon_job_state{" + labels + ",kind=\"datatrove\",state=\"failed\"}") == 0);
  CHECK(s.at("jobmon_job_ranks{" + labels + ",state=\"done\"}") == 2);
  CHECK(s.at("jobmon_job_ranks{" + labels + ",state=\"running\"}") == 1);
  CHECK(s.at("jobmon_job_ranks{" + labels + ",state=\"pending\"}") == 1);
  CHECK(s.at("jobmon_job_ranks_completed_total{" + labels + "}") == 2);
  CHECK(s.at("jobmon_job_progress_ratio{" + labels + ",kind=\"datatrove\"}") == 0.5);
  CHECK(s.count("jobmon_job_last_progress_timestamp_seconds{" + labels + ",kind=\"datatrove\"}") == 1);
  CHECK(s.at("jobmon_jobs{kind=\"datatrove\",state=\"running\"}") == 1);
  CHECK(s.at("jobmon_jobs{kind=\"data_juicer\",state=\"running\"}") == 0);
  CHECK(s.at("jobmon_build_info{version=\"" + std::string(version_string) + "\"}") == 1);
  CHECK(s.count("jobmon_refresh_duration_seconds") == 1);
  CHECK(before.find("# TYPE jobmon_job_ranks_completed_total counter\n") != std::string::npos);
  CHECK(before.find("# TYPE jobmon_job_state gauge\n") != std::string::npos);  // 0.0.4 has no state set
  CHECK(before.find("_total gauge") == std::string::npos);  // no gauge named like a counter
  CHECK(before.find("# EOF") == std::string::npos);

  // Rank 2 fails, rank 3 was never going to run: failed. Same series, new values.
  t.write("logs/tok/logs/task_00002.log",
          "2026-12-06 10:00:00.000 | ERROR    | m:f:1 - boom\nRuntimeError: boom\n");
  t.write("logs/tok/logs/task_00003.log",
          "2026-12-06 10:00:00.000 | ERROR    | m:f:1 - boom\nRuntimeError: boom\n");
  JobRegistry again(std::make_shared<LocalStorage>(), {t.path("logs")});
  again.refresh(now + 1);
  const std::string after = metrics_of(again);
  auto a = samples(after);
  CHECK(a.at("jobmon_job_state{" + labels + ",kind=\"datatrove\",state=\"failed\"}") == 1);
  CHECK(a.at("jobmon_job_state{" + labels + ",kind=\"datatrove\",state=\"running\"}") == 0);
  CHECK(a.at("jobmon_job_ranks{" + labels + ",state=\"failed\"}") == 2);
  CHECK(a.count("jobmon_job_eta_seconds{" + labels + ",kind=\"datatrove\"}") == 0);  // absent, not 0
  std::set<std::string> job_series_before, job_series_after;
  for (const auto& k : series(before)) if (k.find(id) != std::string::npos && k.rfind("jobmon_job_eta", 0) != 0) job_series_before.insert(k);
  for (const auto& k : series(after)) if (k.find(id) != std::string::npos && k.rfind("jobmon_job_eta", 0) != 0) job_series_after.insert(k);
  CHECK(job_series_before == job_series_after);
}

TEST_CASE("/metrics: OpenMetrics when asked, complete jobs dropped after a while, deadlines by name", "[server]") {
  test::TempTree t;
  t.make_job("logs/old_done", 2, {0, 1});
  t.set_mtime("logs/old_done/completions", wall_clock_now() - 48 * 3600);
  t.make_job("logs/tok_late", 4, {0});
  JobRegistry r(std::make_shared<LocalStorage>(), {t.path("logs")});
  r.refresh(wall_clock_now());
  MetricsOptions o;
  o.openmetrics = true;
  o.drop_complete_after_seconds = 24 * 3600;
  o.deadlines = {{"tok_", 1.8e9}};
  const std::string text = metrics_of(r, o);
  CHECK(text.ends_with("# EOF\n"));
  CHECK(text.find("# TYPE jobmon_job_state stateset\n") != std::string::npos);
  CHECK(text.find("# TYPE jobmon_job_ranks_completed counter\n") != std::string::npos);
  CHECK(text.find("# UNIT jobmon_job_eta_seconds seconds\n") != std::string::npos);
  CHECK(text.find("old_done") == std::string::npos);  // complete 48 h ago: dropped
  const auto s = samples(text);
  CHECK(s.at("jobmon_jobs{kind=\"datatrove\",state=\"complete\"}") == 1);  // still counted
  CHECK(s.at("jobmon_job_deadline_timestamp_seconds{id=\"" + id_of(r, "tok_late") + "\",name=\"tok_late\",kind=\"datatrove\"}") == 1.8e9);
  CHECK(accepts_openmetrics("application/openmetrics-text; version=1.0.0,text/plain;q=0.5"));
  CHECK_FALSE(accepts_openmetrics("text/plain"));
  CHECK(std::string(metrics_content_type(true)).rfind("application/openmetrics-text; version=1.0.0", 0) == 0);
}

TEST_CASE("/metrics: hostile names stay one valid line each", "[server]") {
  test::TempTree t;
  t.make_job("logs/a\"b\\c\nd\xff", 2, {0});
  JobRegistry r(std::make_shared<LocalStorage>(), {t.path("logs")});
  r.refresh(wall_clock_now());
  const std::string text = metrics_of(r);
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    INFO(l);
    CHECK(valid_line(l));
  }
  CHECK_FALSE(valid_line("jobmon_x{name=\"a\nb\"} 1"));  // the checker itself refuses a broken line
  CHECK_FALSE(valid_line("jobmon_x{name=\"a\"} one"));
  CHECK(text.find("name=\"a\\\"b\\\\c\\nd\xEF\xBF\xBD\"") != std::string::npos);
}

TEST_CASE("/metrics: training runs' step, plan, epoch and at most 16 metrics each, loss first", "[server]") {
  const std::string fixtures = std::string(JOBMON_FIXTURES_DIR) + "/training/hf/";
  test::TempTree t;
  t.make_job("logs/tok", 2, {0, 1});
  JobRegistry r(std::make_shared<LocalStorage>(),
                {t.path("logs"), fixtures + "hf-ner-per-entity-metrics", fixtures + "hf-whisper-small-hi-wer",
                 fixtures + "hf-empty-log-history"});
  r.refresh(wall_clock_now());
  const std::string text = metrics_of(r);
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    INFO(l);
    CHECK(valid_line(l));
  }
  const auto s = samples(text);
  const std::string ner = id_of(r, "hf-ner-per-entity-metrics"), whisper = id_of(r, "hf-whisper-small-hi-wer");
  const std::string ner_labels = "{id=\"" + ner + "\",name=\"hf-ner-per-entity-metrics\"}";
  CHECK(s.at("jobmon_training_step" + ner_labels) == 14550);
  CHECK(s.at("jobmon_training_max_steps" + ner_labels) == 14550);
  CHECK(s.at("jobmon_training_epoch" + ner_labels) == 10);
  CHECK(s.at("jobmon_training_crc_failures" + ner_labels) == 0);
  // Bounded: 92 eval metrics, 16 series, the loss first and the same ones every scrape.
  std::vector<std::string> ner_metrics;
  std::istringstream again(text);
  while (std::getline(again, l)) {
    if (l.rfind("jobmon_training_metric{id=\"" + ner + "\"", 0) == 0) ner_metrics.push_back(l.substr(0, l.rfind(' ')));
  }
  CHECK(ner_metrics.size() == 16);
  REQUIRE(!ner_metrics.empty());
  CHECK(ner_metrics.front().find("metric=\"loss\"") != std::string::npos);
  r.refresh(wall_clock_now() + 1);
  const auto later = series(metrics_of(r));
  for (const auto& key : ner_metrics) CHECK(later.count(key) == 1);
  // Directionless series (runtime, learning rate) are not exported; eval metrics are.
  CHECK(s.count("jobmon_training_metric{id=\"" + whisper + "\",name=\"hf-whisper-small-hi-wer\",metric=\"eval_wer\"}") == 1);
  CHECK(text.find("metric=\"eval_runtime\"") == std::string::npos);
  CHECK(text.find("metric=\"learning_rate\"") == std::string::npos);
  // The job-level series carry the kind.
  CHECK(s.at("jobmon_jobs{kind=\"training\",state=\"complete\"}") + s.at("jobmon_jobs{kind=\"training\",state=\"running\"}") +
            s.at("jobmon_jobs{kind=\"training\",state=\"stalled\"}") + s.at("jobmon_jobs{kind=\"training\",state=\"failed\"}") ==
        3);
  CHECK(s.count("jobmon_job_progress_ratio{id=\"" + ner + "\",name=\"hf-ner-per-entity-metrics\",kind=\"training\"}") == 1);
  // A run with no logged values has a step but no metric series.
  const std::string empty = id_of(r, "hf-empty-log-history");
  CHECK(s.count("jobmon_training_step{id=\"" + empty + "\",name=\"hf-empty-log-history\"}") == 1);
  CHECK(text.find("jobmon_training_metric{id=\"" + empty + "\"") == std::string::npos);
}

TEST_CASE("/metrics: a training metric's hostile name stays one valid label value", "[server]") {
  test::TempTree t;
  // A Lightning CSVLogger dir whose accuracy column is named with a quote, a backslash and a byte that is not UTF-8.
  t.write("runs/pl/metrics.csv", "epoch,step,\"va\"\"l\\accuracy\xff\",train_loss\n0,0,,1.5\n0,1,0.5,\n");
  t.write("runs/pl/hparams.yaml", "lr: 0.1\n");
  JobRegistry r(std::make_shared<LocalStorage>(), {t.path("runs")});
  r.refresh(wall_clock_now());
  REQUIRE(r.entries_view()->size() == 1);
  const std::string text = metrics_of(r);
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    INFO(l);
    CHECK(valid_line(l));
  }
  CHECK(text.find("metric=\"train_loss\"} 1.5") != std::string::npos);
  CHECK(text.find("metric=\"va\\\"l\\\\accuracy\xEF\xBF\xBD\"} 0.5") != std::string::npos);
}
