// Two jobs side by side (see compare_jobs.hpp).
#include "server/api/compare_jobs.hpp"

#include <boost/json.hpp>

#include "core/json_values.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "server/api/step_stats.hpp"

namespace jobmon::detail {
namespace json = boost::json;
namespace {

struct Figures {
  std::optional<double> duration_seconds, rate_per_hour;
};

Figures figures_of(const RegistryEntry& e, double now) {
  Figures f;
  if (const JobRow* row = std::get_if<JobRow>(&e.source)) {
    f.duration_seconds = row->duration_seconds(now);
  } else if (const auto* s = std::get_if<std::shared_ptr<const Snapshot>>(&e.source)) {
    if (*s) f.duration_seconds = (*s)->duration_seconds;
  } else if (const auto* run = std::get_if<std::shared_ptr<const TrainingRun>>(&e.source); run && *run) {
    // From the first evidence to the last write (or now, while it runs).
    const TrainingRun& r = **run;
    if (r.started_at) {
      const double end = r.ended_at ? *r.ended_at : (e.current ? now : r.updated_at.value_or(now));
      if (end >= *r.started_at) f.duration_seconds = end - *r.started_at;
    }
  }
  // Work done per hour over the whole run: comparable whatever the state.
  if (f.duration_seconds && *f.duration_seconds > 0) f.rate_per_hour = static_cast<double>(e.done) * 3600 / *f.duration_seconds;
  return f;
}

json::value ratio(const std::optional<double>& a, const std::optional<double>& b) {
  if (!a || !b || *a == 0) return nullptr;
  return *b / *a;
}

std::optional<double> number_at(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_number()) return std::nullopt;
  return v->to_number<double>();
}

json::object side(const RegistryEntry& e, const Figures& f) {
  json::object o;
  o["id"] = e.id;
  o["name"] = e.name;
  o["kind"] = to_string(e.kind());
  o["status"] = to_string(e.status);
  o["done"] = e.done;
  o["total"] = e.total;
  o["failed"] = e.failed;
  o["duration_seconds"] = number_or_null(f.duration_seconds);
  o["rate_per_hour"] = number_or_null(f.rate_per_hour);
  return o;
}

}  // namespace

json::object compare_jobs(const RegistryEntry& a, const RegistryEntry& b, const Storage& storage, double now) {
  const Figures fa = figures_of(a, now), fb = figures_of(b, now);
  json::object out;
  out["a"] = side(a, fa);
  out["b"] = side(b, fb);
  out["duration_ratio"] = ratio(fa.duration_seconds, fb.duration_seconds);
  out["rate_ratio"] = ratio(fa.rate_per_hour, fb.rate_per_hour);
  out["same_kind"] = a.kind() == b.kind();
  json::array steps;
  if (a.kind() == JobKind::datatrove && b.kind() == JobKind::datatrove) {
    const json::object sa = step_stats(storage, a.path), sb = step_stats(storage, b.path);
    const auto& la = sa.at("steps").as_array();
    const auto& lb = sb.at("steps").as_array();
    for (std::size_t i = 0; i < std::max(la.size(), lb.size()); ++i) {
      const json::object* x = i < la.size() ? la[i].if_object() : nullptr;
      const json::object* y = i < lb.size() ? lb[i].if_object() : nullptr;
      json::object step;
      step["index"] = i;
      step["name"] = x && x->contains("name") ? x->at("name") : y && y->contains("name") ? y->at("name") : json::value(nullptr);
      step["a"] = x ? json::value(*x) : json::value(nullptr);
      step["b"] = y ? json::value(*y) : json::value(nullptr);
      step["time_ratio"] = ratio(x ? number_at(*x, "time_seconds") : std::nullopt, y ? number_at(*y, "time_seconds") : std::nullopt);
      step["documents_ratio"] = ratio(x ? number_at(*x, "documents") : std::nullopt, y ? number_at(*y, "documents") : std::nullopt);
      steps.push_back(std::move(step));
    }
    out["steps_source"] = json::object{{"a", sa.at("source")}, {"b", sb.at("source")}};
  }
  out["steps"] = std::move(steps);
  return out;
}

}  // namespace jobmon::detail
