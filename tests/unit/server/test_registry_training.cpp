// jobmon-serve's view of training runs (JobRegistry over tests/fixtures/training):
// one entry per run with the run's own state, summaries and details that say
// what MANIFEST.json says, the run's JSON as every tool writes it, entries
// kept while a run is unchanged, and runs beside the other kinds of job.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "jobmon/clock.hpp"
#include "jobmon/server/server.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "server/registry_entries.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

const std::string kTraining = std::string(JOBMON_FIXTURES_DIR) + "/training";

const json::object& manifest() {
  static const json::value doc = json::parse(test::read_text(kTraining + "/MANIFEST.json"));
  return doc.as_object();
}

// The Hugging Face artifacts' headline numbers (MANIFEST's "run" view), by run name.
std::map<std::string, json::object> hf_runs() {
  std::map<std::string, json::object> out;
  for (const json::value& artifact : manifest().at("artifacts").as_array()) {
    const json::object& a = artifact.as_object();
    if (a.at("category") != "hf" || !a.at("expected").as_object().contains("run")) continue;
    out[std::string(a.at("id").as_string())] = a.at("expected").at("run").as_object();
  }
  return out;
}

// Long after the files were written: every run has ended one way or the other.
double long_after() { return wall_clock_now() + 365 * 86400.0; }

const RegistryEntry& entry_named(const JobRegistry& registry, const std::string& name) {
  static thread_local std::shared_ptr<const std::vector<RegistryEntry>> keep;
  keep = registry.entries_view();
  const auto it = std::find_if(keep->begin(), keep->end(), [&](const RegistryEntry& e) { return e.name == name; });
  REQUIRE(it != keep->end());
  return *it;
}

std::set<std::string> names_in(const json::array& list, const char* key) {
  std::set<std::string> out;
  for (const auto& v : list) out.insert(std::string(v.at(key).as_string()));
  return out;
}

}  // namespace

TEST_CASE("JobRegistry: every Hugging Face fixture run is a training entry with MANIFEST's numbers", "[server]") {
  const auto expected = hf_runs();
  REQUIRE(expected.size() > 20);
  JobRegistry registry(std::make_shared<LocalStorage>(), {kTraining + "/hf"});
  registry.refresh(long_after());
  const auto view = registry.entries_view();
  CHECK(view->size() == expected.size());
  const Totals totals = registry.totals();
  CHECK(totals.jobs_total == static_cast<std::int64_t>(expected.size()));
  CHECK(totals.tasks_total == 0);  // steps are not tasks: the fleet's ranks stay datatrove's
  for (const RegistryEntry& e : *view) {
    INFO(e.path);
    REQUIRE(expected.count(e.name) == 1);
    const json::object& want = expected.at(e.name);
    CHECK(e.kind() == JobKind::training);
    CHECK(e.id == detail::job_id_for(JobKind::training, e.path));
    CHECK(e.done == want.at("global_step").as_int64());
    CHECK(e.total == want.at("max_steps").as_int64());
    const bool finished = want.at("finished").as_bool();
    CHECK((e.status == JobStatus::complete) == finished);
    CHECK(e.in(finished ? Lifecycle::past : Lifecycle::any));
    const json::value summary = json::parse(*e.summary_text);
    CHECK(summary.at("kind") == "training");
    CHECK(summary.at("unit") == "steps");
    CHECK(summary.at("status") == to_string(e.status));
    CHECK(summary.at("step") == want.at("global_step"));
    CHECK_FALSE(summary.at("state_reason").as_string().empty());
    if (const json::value& loss = want.at("last_train_loss"); !loss.is_null()) {
      CHECK(summary.at("loss").to_number<double>() == loss.to_number<double>());
      CHECK(summary.at("loss_metric") == "loss");
    }
  }
}

TEST_CASE("JobRegistry: a training run's detail holds the chart, cards, stages, checkpoints and the run's JSON", "[server]") {
  const std::string dir = kTraining + "/hf/hf-whisper-small-hi-wer";
  const double now = long_after();
  JobRegistry registry(std::make_shared<LocalStorage>(), {dir});
  registry.refresh(now);
  const RegistryEntry& e = entry_named(registry, "hf-whisper-small-hi-wer");
  const auto detail = registry.detail(e.id);
  REQUIRE(detail);
  const json::object& d = detail->as_object();
  for (const char* key : {"id", "kind", "status", "state_reason", "done", "total", "percent", "eta_seconds", "meta",
                          "chart", "cards", "stages", "checkpoints", "arguments", "errors", "sources", "training"})
    CHECK(d.contains(key));

  // The run's own JSON, exactly what every other tool writes for it.
  const TrainingRun run = read_training_run(LocalStorage(), dir, now);
  CHECK(d.at("training") == to_json(run));

  const auto runs = hf_runs();
  const json::object& want = runs.at("hf-whisper-small-hi-wer");
  const json::object* trainer_state = nullptr;
  for (const json::value& a : manifest().at("artifacts").as_array()) {
    if (a.at("id") == "hf-whisper-small-hi-wer") trainer_state = &a.at("expected").at("trainer_states").at("trainer_state.json").as_object();
  }
  REQUIRE(trainer_state != nullptr);

  // Chart: the train loss and the eval loss on a step axis, every train point kept.
  const json::object& chart = d.at("chart").as_object();
  CHECK(chart.at("x") == "step");
  CHECK(chart.at("train") == "loss");
  CHECK(chart.at("eval") == json::array{"eval_loss"});
  const json::array& loss = chart.at("series").at("loss").as_array();
  CHECK(static_cast<std::int64_t>(loss.size()) == trainer_state->at("n_train_logs").as_int64());
  CHECK(loss.back().at(0) == trainer_state->at("last_train_step"));
  CHECK(loss.back().at(1).to_number<double>() == want.at("last_train_loss").to_number<double>());
  CHECK(static_cast<std::int64_t>(chart.at("series").at("eval_loss").as_array().size()) == trainer_state->at("n_eval_logs").as_int64());

  // Cards: the loss first, the eval metrics' last values as the file has them, with bests.
  const json::array& cards = d.at("cards").as_array();
  REQUIRE(!cards.empty());
  CHECK(cards[0].at("name") == "loss");
  const json::object& eval_last = trainer_state->at("eval_metrics_last").as_object();
  int eval_cards = 0;
  for (const auto& c : cards) {
    const std::string name(c.at("name").as_string());
    if (!eval_last.contains(name)) continue;
    ++eval_cards;
    CHECK(c.at("last").to_number<double>() == eval_last.at(name).to_number<double>());
    CHECK(c.at("eval") == true);
    CHECK(!c.at("best").is_null());
  }
  CHECK(eval_cards == 2);  // eval_loss and eval_wer; runtime and throughput have no direction
  CHECK(names_in(cards, "name").count("learning_rate") == 1);
  CHECK(names_in(cards, "name").count("eval_runtime") == 0);

  // Stages: the tracker's five steps, each in the vocabulary the page colours.
  const std::set<std::string> stage_names = names_in(d.at("stages").as_array(), "name");
  CHECK(stage_names == std::set<std::string>{"loading", "training", "validation", "checkpoint", "saved"});
  for (const auto& st : d.at("stages").as_array()) {
    const std::string status(st.at("status").as_string());
    CHECK((status == "done" || status == "active" || status == "waiting" || status == "skipped" || status == "stopped"));
  }
  CHECK(d.at("meta").as_array().front().at(0) == "Path");
}

TEST_CASE("JobRegistry: checkpoints and arguments of a training run reach its detail", "[server]") {
  const double now = long_after();
  JobRegistry registry(std::make_shared<LocalStorage>(),
                       {kTraining + "/hf/hf-gemma3-checkpoint-series", kTraining + "/hf/hf-gpt2-100ep-runs-hparams"});
  registry.refresh(now);
  REQUIRE(registry.entries_view()->size() == 2);
  std::vector<std::int64_t> want_steps;
  for (const json::value& a : manifest().at("artifacts").as_array()) {
    if (a.at("id") != "hf-gemma3-checkpoint-series") continue;
    for (const auto& c : a.at("expected").at("run").at("checkpoints").as_array()) {
      want_steps.push_back(c.is_int64() ? c.as_int64() : c.at("step").as_int64());
    }
  }
  REQUIRE(!want_steps.empty());
  const auto gemma = registry.detail(entry_named(registry, "hf-gemma3-checkpoint-series").id);
  REQUIRE(gemma);
  std::vector<std::int64_t> steps;
  for (const auto& c : gemma->at("checkpoints").as_array()) steps.push_back(c.at("step").as_int64());
  CHECK(steps == want_steps);

  // Arguments: pairs in the order the run wrote them, the same as the run's JSON object holds.
  const auto gpt2 = registry.detail(entry_named(registry, "hf-gpt2-100ep-runs-hparams").id);
  REQUIRE(gpt2);
  const json::array& args = gpt2->at("arguments").as_array();
  const json::object& args_object = gpt2->at("training").at("arguments").as_object();
  CHECK(!args.empty());
  CHECK(args.size() == args_object.size());
  for (const auto& pair : args) CHECK(args_object.at(pair.at(0).as_string()) == pair.at(1));
  // TensorBoard's copies of trainer_state series (train/loss beside loss) are not cards of their own.
  const std::set<std::string> cards = names_in(gpt2->at("cards").as_array(), "name");
  CHECK(cards.count("loss") == 1);
  CHECK(cards.count("train/loss") == 0);
}

TEST_CASE("JobRegistry: an unchanged training run keeps its entry; a run that moves gets a new one", "[server]") {
  test::TempTree tree;
  tree.mkdir("runs");
  test::copy_tree(kTraining + "/hf/hf-spam-bert-4.3x-checkpoint", tree.path("runs/spam"));
  test::copy_tree(kTraining + "/hf/hf-bart-samsum-tiny", tree.path("runs/bart"));
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("runs")});
  const double now = wall_clock_now();
  CHECK(registry.refresh(now).size() == 2);  // both are new
  const auto first = registry.entries_view();
  REQUIRE(first->size() == 2);
  CHECK(registry.refresh(now + 1).empty());
  const auto second = registry.entries_view();
  int kept = 0;
  for (const auto& e : *second) {
    const auto it = std::find_if(first->begin(), first->end(), [&](const RegistryEntry& f) { return f.id == e.id; });
    REQUIRE(it != first->end());
    // A running run's reason says how long ago it last wrote, so the scanner
    // judges it afresh; a finished run is the same object, and keeps its entry.
    if (e.status != JobStatus::complete) continue;
    ++kept;
    CHECK(e.summary_text == it->summary_text);  // the same text, not a copy
    CHECK(std::get<std::shared_ptr<const TrainingRun>>(e.source) == std::get<std::shared_ptr<const TrainingRun>>(it->source));
  }
  CHECK(kept == 1);  // bart finished

  // The spam run saves its next checkpoint: step 500 -> 600, a change the stream reports.
  const std::string state_path = tree.path("runs/spam/checkpoint-500/trainer_state.json");
  std::string text = test::read_text(state_path);
  const auto at = text.find("\"global_step\": 500");
  REQUIRE(at != std::string::npos);
  text.replace(at, 18, "\"global_step\": 600");
  tree.write("runs/spam/checkpoint-500/trainer_state.json", text);
  tree.set_mtime("runs/spam/checkpoint-500/trainer_state.json", now + 2);
  const auto changes = registry.refresh(now + 3);
  const RegistryEntry& spam = entry_named(registry, "spam");
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].id == spam.id);
  CHECK(spam.done == 600);
  CHECK(json::parse(*spam.summary_text).at("step") == 600);
}

TEST_CASE("JobRegistry: training runs beside datatrove jobs, with no warning about the runs' dirs", "[server]") {
  test::TempTree tree;
  tree.make_job("mixed/tokenize", 2, {0, 1});
  tree.mkdir("mixed");
  test::copy_tree(kTraining + "/hf/hf-bert-crlf-checkpoints-no-top", tree.path("mixed/bert"));
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("mixed")});
  registry.refresh(wall_clock_now());
  const auto view = registry.entries_view();
  REQUIRE(view->size() == 2);
  std::set<JobKind> kinds;
  for (const auto& e : *view) kinds.insert(e.kind());
  CHECK(kinds == std::set<JobKind>{JobKind::datatrove, JobKind::training});
  for (const auto& w : registry.warnings()) {
    INFO(w.path << ": " << w.message);
    CHECK(w.path.find("bert") == std::string::npos);
  }
  CHECK(registry.totals().tasks_total == 2);  // the datatrove job's ranks only
  CHECK(parse_job_kind("training") == JobKind::training);
  CHECK(std::string(to_string(JobKind::training)) == "training");
  const std::string csv = detail::jobs_csv(*view);
  CHECK(csv.find(",training,bert,") != std::string::npos);
  CHECK(csv.find(",steps,") != std::string::npos);
}

TEST_CASE("JobRegistry: a training run whose files are broken is an entry with its problems, never a crash", "[server]") {
  test::TempTree tree;
  tree.write("runs/truncated/trainer_state.json", "{\"global_step\": 40, \"max_steps\": 100, \"log_history\": [{\"loss\": 1.5, \"st");
  tree.write("runs/empty/trainer_state.json", "");
  tree.write("runs/garbage/checkpoint-10/trainer_state.json", std::string("\x00\xff{[", 4));
  JobRegistry registry(std::make_shared<LocalStorage>(), {tree.path("runs")});
  registry.refresh(wall_clock_now());
  const auto view = registry.entries_view();
  for (const auto& e : *view) {
    INFO(e.path);
    CHECK(e.kind() == JobKind::training);
    const auto detail = registry.detail(e.id);
    REQUIRE(detail);
    CHECK(detail->at("training").at("problems").as_array().size() == detail->at("errors").as_array().size());
    CHECK(json::parse(*e.summary_text).at("kind") == "training");
  }
  // Whatever the reader made of them, each broken file is said somewhere: a run's problem or a warning.
  std::size_t said = registry.warnings().size();
  for (const auto& e : *view) said += std::get<std::shared_ptr<const TrainingRun>>(e.source)->problems.size();
  CHECK(said >= 3);
}
