#include "server/api/step_stats.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <optional>
#include <vector>

#include "jobmon/datatrove/job.hpp"
#include "jobmon/error.hpp"

namespace jobmon::detail {
namespace json = boost::json;
namespace {

struct StepSum {
  std::string name;
  double time_seconds = 0;
  std::int64_t documents = 0;
  std::vector<std::pair<std::string, double>> stats;  // in the order first seen

  void add(const std::string& key, double v) {
    auto it = std::find_if(stats.begin(), stats.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == stats.end()) stats.emplace_back(key, v);
    else it->second += v;
  }
};

std::optional<double> number(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return std::nullopt;
}

std::optional<json::value> parse_json(const std::string& text) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(text, ec, {}, opts);
  if (ec) return std::nullopt;
  return v;
}

// Adds one stats file's steps (a list of {"name", "time_stats", "stats"}).
bool add_steps(const json::value& doc, std::vector<StepSum>& steps) {
  const auto* list = doc.if_array();
  if (list == nullptr) return false;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const auto* step = (*list)[i].if_object();
    if (step == nullptr) continue;
    if (steps.size() <= i) steps.resize(i + 1);
    StepSum& sum = steps[i];
    if (const auto* n = step->if_contains("name"); n != nullptr && n->is_string() && sum.name.empty())
      sum.name = std::string(n->as_string());
    if (const auto* t = step->if_contains("time_stats"); t != nullptr && t->is_object()) {
      sum.time_seconds += number(t->as_object().if_contains("total")).value_or(0);
      sum.documents += static_cast<std::int64_t>(number(t->as_object().if_contains("n")).value_or(0));
    }
    if (const auto* s = step->if_contains("stats"); s != nullptr && s->is_object()) {
      for (const auto& [key, value] : s->as_object()) {
        // datatrove writes a counter as a number, a metric as {"total", "n", "mean", ...}.
        std::optional<double> v = number(&value);
        if (!v && value.is_object()) v = number(value.as_object().if_contains("total"));
        if (v) sum.add(std::string(key), *v);
      }
    }
  }
  return true;
}

json::array to_json(const std::vector<StepSum>& steps) {
  json::array out;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const StepSum& s = steps[i];
    json::object stats;
    for (const auto& [k, v] : s.stats) stats[k] = v;
    out.push_back(json::object{{"name", s.name.empty() ? fmt::format("step {}", i + 1) : s.name},
                               {"time_seconds", s.time_seconds},
                               {"documents", s.documents},
                               {"stats", std::move(stats)}});
  }
  return out;
}

// A short line for one serialised pipeline step: its name or type if it has
// one, else its first keys ("dump=CC-MAIN-2023-50, docs_per_task=10").
std::string step_summary(const json::value& step) {
  if (step.is_string()) return std::string(step.as_string());
  const auto* o = step.if_object();
  if (o == nullptr || o->empty()) return "";
  for (const char* key : {"name", "type"}) {
    if (const auto* v = o->if_contains(key); v != nullptr && v->is_string()) return std::string(v->as_string());
  }
  std::string out;
  int shown = 0;
  for (const auto& [k, v] : *o) {
    if (shown++ == 3) break;
    std::string text = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
    if (text.size() > 40) text = text.substr(0, 39) + "…";
    out += (out.empty() ? "" : ", ") + std::string(k) + "=" + text;
  }
  return out;
}

}  // namespace

json::object step_stats(const Storage& storage, const std::string& job_dir, const StepStatsLimits& limits) {
  json::object out;
  json::array problems;
  std::vector<StepSum> steps;
  // The merged file first: one read for the whole job.
  const std::string merged = storage.join(job_dir, "stats.json");
  if (storage.stat(merged).type == EntryType::file) {
    try {
      if (auto doc = parse_json(storage.read(merged, limits.max_file_bytes)); doc && add_steps(*doc, steps)) {
        out["source"] = "stats.json";
        out["ranks_read"] = nullptr;
        out["rank_files"] = nullptr;
        out["steps"] = to_json(steps);
        out["problems"] = std::move(problems);
        return out;
      }
      problems.push_back(json::value("stats.json: not a list of steps"));
    } catch (const Error& e) {
      problems.push_back(json::value(fmt::format("stats.json: {}", e.what())));
    }
  }
  std::vector<std::string> names;
  try {
    for (const auto& e : storage.list(storage.join(job_dir, "stats"))) {
      if (e.type == EntryType::file && e.name.ends_with(".json") && parse_rank_name(e.name.substr(0, e.name.size() - 5)))
        names.push_back(e.name);
    }
  } catch (const StorageError&) {
  }
  std::sort(names.begin(), names.end());
  std::int64_t read = 0;
  for (const auto& name : names) {
    if (static_cast<std::size_t>(read) >= limits.max_rank_files) break;
    ++read;
    try {
      auto doc = parse_json(storage.read(storage.join(storage.join(job_dir, "stats"), name), limits.max_file_bytes));
      if (!doc || !add_steps(*doc, steps)) problems.push_back(json::value(fmt::format("stats/{}: not a list of steps", name)));
    } catch (const Error& e) {
      problems.push_back(json::value(fmt::format("stats/{}: {}", name, e.what())));
    }
    if (problems.size() >= 20) break;
  }
  out["source"] = names.empty() ? json::value(nullptr) : json::value("stats/");
  out["ranks_read"] = read;
  out["rank_files"] = static_cast<std::int64_t>(names.size());
  out["steps"] = to_json(steps);
  out["problems"] = std::move(problems);
  return out;
}

json::object executor_preview(const Storage& storage, const std::string& job_dir) {
  json::object out;
  std::optional<json::value> doc;
  try {
    doc = parse_json(storage.read(storage.join(job_dir, "executor.json"), 4 << 20));
  } catch (const Error& e) {
    out["error"] = e.what();
    return out;
  }
  if (!doc || !doc->is_object()) {
    out["error"] = "executor.json is not a JSON object";
    return out;
  }
  const json::object& o = doc->as_object();
  auto copy = [&](const char* key) {
    const auto* v = o.if_contains(key);
    out[key] = v != nullptr && (v->is_string() || v->is_number() || v->is_bool() || v->is_null()) ? *v : json::value(nullptr);
  };
  for (const char* key : {"tasks", "workers", "depends", "skip_completed", "job_name", "partition", "time", "world_size"})
    copy(key);
  // datatrove writes `depends` as the other executor's repr: keep it short.
  if (auto* d = out.if_contains("depends"); d != nullptr && d->is_string() && d->as_string().size() > 120)
    *d = std::string(d->as_string().subview(0, 119)) + "…";
  json::array pipeline;
  if (const auto* p = o.if_contains("pipeline"); p != nullptr && p->is_array()) {
    std::int64_t index = 0;
    for (const auto& step : p->as_array()) pipeline.push_back(json::object{{"index", ++index}, {"summary", step_summary(step)}});
  }
  out["pipeline"] = std::move(pipeline);
  return out;
}

}  // namespace jobmon::detail
