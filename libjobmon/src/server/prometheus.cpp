// /metrics in Prometheus text (0.0.4) or OpenMetrics 1.0 (see metrics.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/text/text.hpp"
#include "core/text/utf8.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"
#include "jobmon/error.hpp"
#include "jobmon/server/metrics.hpp"
#include "jobmon/server/web_api.hpp"
#include "jobmon/version.hpp"
#include "server/registry_entries.hpp"

namespace jobmon {
namespace {

// Label values are UTF-8 with \\, \" and \n escaped. A byte that is not
// UTF-8 becomes U+FFFD (one bad name must not break the whole scrape; the
// id label still tells jobs apart), other controls a space.
std::string label_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      const detail::Utf8Char u = detail::decode_utf8(s, i);
      if (u.length == 0) {
        out += "\xEF\xBF\xBD";
        ++i;
      } else {
        out.append(s, i, u.length);
        i += u.length;
      }
      continue;
    }
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) out += ' ';
    else out += c;
    ++i;
  }
  return out;
}

// Numbers as both formats read them (no locale, +Inf/NaN never produced).
std::string number(double v) { return fmt::format("{}", v); }

constexpr std::array<JobStatus, 5> states{JobStatus::pending, JobStatus::running, JobStatus::stalled, JobStatus::failed,
                                          JobStatus::complete};

class Writer {
 public:
  explicit Writer(bool openmetrics) : om_(openmetrics) {}

  // A metric family's header. `type`: gauge, counter or stateset (text 0.0.4
  // has no state set: a gauge there). Counters are named without `_total`
  // in OpenMetrics' TYPE line and with it on their samples.
  void family(const std::string& name, const char* type, const std::string& help, const char* unit = nullptr) {
    std::string family_name = name;
    if (om_ && std::string_view(type) == "counter" && family_name.ends_with("_total"))
      family_name.resize(family_name.size() - 6);
    const char* written = !om_ && std::string_view(type) == "stateset" ? "gauge" : type;
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family_name, help, family_name, written);
    if (om_ && unit != nullptr) out_ += fmt::format("# UNIT {} {}\n", family_name, unit);
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    out_ += name;
    if (!labels.empty()) out_ += "{" + labels + "}";
    out_ += ' ';
    out_ += number(value);
    out_ += '\n';
  }
  std::string finish() {
    if (om_) out_ += "# EOF\n";
    return std::move(out_);
  }

 private:
  bool om_;
  std::string out_;
};

std::string job_labels(const RegistryEntry& e) {
  return fmt::format("id=\"{}\",name=\"{}\",kind=\"{}\"", e.id, label_escape(e.name), to_string(e.kind()));
}

// When a job last moved: a datatrove job's newest evidence, a Data-Juicer job's last event, a run's newest write.
std::optional<double> last_progress(const RegistryEntry& e) { return detail::last_progress_of(e); }

// A datatrove job's ranks by state: done, failed (needs a relaunch),
// running (a task log of this attempt, or Slurm's word), pending (the rest).
std::array<std::int64_t, 4> rank_split(const JobRow& row) {
  const JobState& job = *row.job;
  std::int64_t running = job.rank_counts.running + job.rank_counts.finished_unmarked;
  if (row.scheduling) running = row.scheduling->running + job.rank_counts.finished_unmarked;
  const std::int64_t done = job.completed, failed = row.failed_ranks;
  running = std::clamp<std::int64_t>(running, 0, std::max<std::int64_t>(0, job.world_size - done - failed));
  const std::int64_t pending = std::max<std::int64_t>(0, job.world_size - done - failed - running);
  return {done, failed, running, pending};
}

bool kept(const RegistryEntry& e, const MetricsOptions& o, double now) {
  if (e.status != JobStatus::complete || !o.drop_complete_after_seconds) return true;
  const auto finished = last_progress(e);
  return !finished || now - *finished <= *o.drop_complete_after_seconds;
}

const TrainingRun* run_of(const RegistryEntry& e) {
  const auto* run = std::get_if<std::shared_ptr<const TrainingRun>>(&e.source);
  return run != nullptr ? run->get() : nullptr;
}

// Training runs: step, plan and epoch, the loss and the metrics with a
// direction (at most kMaxTrainingCards per run, chosen the same way every
// scrape so series keep their identity), and event-file CRC failures. A
// value not known (a run with no max_steps, a NaN loss) has no sample.
void training_families(Writer& w, const std::vector<const RegistryEntry*>& entries) {
  std::vector<std::pair<const RegistryEntry*, const TrainingRun*>> runs;
  for (const auto* e : entries) {
    if (const TrainingRun* run = run_of(*e)) runs.emplace_back(e, run);
  }
  auto base = [](const RegistryEntry& e) { return fmt::format("id=\"{}\",name=\"{}\"", e.id, label_escape(e.name)); };
  w.family("jobmon_training_step", "gauge", "A training run's global step (the last one written).");
  for (const auto& [e, run] : runs) {
    if (run->step) w.sample("jobmon_training_step", base(*e), static_cast<double>(*run->step));
  }
  w.family("jobmon_training_max_steps", "gauge", "The steps a training run plans (max_steps).");
  for (const auto& [e, run] : runs) {
    if (run->max_steps) w.sample("jobmon_training_max_steps", base(*e), static_cast<double>(*run->max_steps));
  }
  w.family("jobmon_training_epoch", "gauge", "A training run's epoch (fractional while inside one).");
  for (const auto& [e, run] : runs) {
    if (run->epoch && std::isfinite(*run->epoch)) w.sample("jobmon_training_epoch", base(*e), *run->epoch);
  }
  w.family("jobmon_training_metric", "gauge",
           "A training run's latest value of its loss and of each metric with a direction (accuracy, F1, WER...), "
           "at most 16 per run.");
  for (const auto& [e, run] : runs) {
    for (const auto& name : detail::gauge_metric_names(*run, detail::kMaxTrainingCards)) {
      const double v = run->metrics.find(name)->second.last().value;
      if (std::isfinite(v))
        w.sample("jobmon_training_metric", base(*e) + fmt::format(",metric=\"{}\"", label_escape(name)), v);
    }
  }
  w.family("jobmon_training_crc_failures", "gauge", "Event-file records of a training run whose checksum failed.");
  for (const auto& [e, run] : runs)
    w.sample("jobmon_training_crc_failures", base(*e), static_cast<double>(run->crc_failures));
}

}  // namespace

std::pair<std::string, double> parse_deadline(std::string_view spec) {
  const auto eq = spec.rfind('=');
  if (eq == std::string_view::npos || eq == 0)
    throw UsageError("--deadline wants NAME_PREFIX=TIME (ISO-8601 or epoch seconds), not '" + std::string(spec) + "'");
  const std::string_view when = spec.substr(eq + 1);
  std::optional<double> t = parse_iso8601(when);
  if (!t) {
    const auto digits = detail::parse_decimal(when, 12);
    if (digits) t = static_cast<double>(*digits);
  }
  if (!t) throw UsageError("--deadline: '" + std::string(when) + "' is neither an ISO-8601 time nor epoch seconds");
  return {std::string(spec.substr(0, eq)), *t};
}

const char* metrics_content_type(bool openmetrics) {
  return openmetrics ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4; charset=utf-8";
}

bool accepts_openmetrics(const std::string& accept) {
  return detail::ascii_lower(accept).find("application/openmetrics-text") != std::string::npos;
}

std::string render_metrics(const MetricsInputs& in, const MetricsOptions& o) {
  static const std::vector<RegistryEntry> none;
  const std::vector<RegistryEntry>& all = in.entries ? *in.entries : none;
  const double now = in.last_refresh;
  std::vector<const RegistryEntry*> entries;
  for (const auto& e : all) {
    if (kept(e, o, now)) entries.push_back(&e);
  }
  Writer w(o.openmetrics);
  w.family("jobmon_build_info", "gauge", "jobmon's version (always 1).");
  w.sample("jobmon_build_info", fmt::format("version=\"{}\"", label_escape(version_string)), 1);
  w.family("jobmon_warnings", "gauge", "Warnings of the last refresh (dirs that are not jobs, unreadable files, scheduler problems).");
  w.sample("jobmon_warnings", "", static_cast<double>(in.warnings));
  w.family("jobmon_last_refresh_timestamp_seconds", "gauge", "When the jobs were last read.", "seconds");
  w.sample("jobmon_last_refresh_timestamp_seconds", "", now);
  if (in.refresh_duration_seconds) {
    w.family("jobmon_refresh_duration_seconds", "gauge", "How long the last refresh took.", "seconds");
    w.sample("jobmon_refresh_duration_seconds", "", *in.refresh_duration_seconds);
  }

  // Fleet counts, kinds apart (ranks, partition-operations and steps are different units).
  w.family("jobmon_jobs", "gauge", "Jobs by kind and state (all jobs, kept or not below).");
  for (const JobKind kind : {JobKind::datatrove, JobKind::data_juicer, JobKind::training}) {
    std::array<std::int64_t, states.size()> n{};
    for (const auto& e : all) {
      if (e.kind() != kind) continue;
      for (std::size_t i = 0; i < states.size(); ++i) n[i] += e.status == states[i];
    }
    for (std::size_t i = 0; i < states.size(); ++i)
      w.sample("jobmon_jobs", fmt::format("kind=\"{}\",state=\"{}\"", to_string(kind), to_string(states[i])), static_cast<double>(n[i]));
  }

  w.family("jobmon_job_state", "stateset", "Each job's state: one series per state, 1 for the current one.");
  for (const auto* e : entries) {
    for (const JobStatus s : states)
      w.sample("jobmon_job_state", job_labels(*e) + fmt::format(",state=\"{}\"", to_string(s)), e->status == s);
  }
  w.family("jobmon_job_progress_ratio", "gauge", "Fraction of a job's work done (0 to 1).", "ratio");
  for (const auto* e : entries) w.sample("jobmon_job_progress_ratio", job_labels(*e), e->fraction);
  w.family("jobmon_job_last_progress_timestamp_seconds", "gauge",
           "When a job last showed progress (a marker, a task-log write, an event).", "seconds");
  for (const auto* e : entries) {
    if (const auto t = last_progress(*e)) w.sample("jobmon_job_last_progress_timestamp_seconds", job_labels(*e), *t);
  }
  w.family("jobmon_job_eta_seconds", "gauge", "Seconds until a running job is expected to finish (absent: no estimate).", "seconds");
  for (const auto* e : entries) {
    if (e->status == JobStatus::running && e->eta_seconds) w.sample("jobmon_job_eta_seconds", job_labels(*e), *e->eta_seconds);
  }
  if (!o.deadlines.empty()) {
    w.family("jobmon_job_deadline_timestamp_seconds", "gauge", "When a job must be done (jobmon-serve --deadline).", "seconds");
    for (const auto* e : entries) {
      for (const auto& [prefix, when] : o.deadlines) {
        if (!e->name.starts_with(prefix)) continue;
        w.sample("jobmon_job_deadline_timestamp_seconds", job_labels(*e), when);
        break;
      }
    }
  }

  w.family("jobmon_job_ranks", "gauge", "A datatrove job's ranks by state (done, failed, running, pending).");
  for (const auto* e : entries) {
    const JobRow* row = std::get_if<JobRow>(&e->source);
    if (row == nullptr) continue;
    const auto split = rank_split(*row);
    const char* names[] = {"done", "failed", "running", "pending"};
    for (std::size_t i = 0; i < split.size(); ++i)
      w.sample("jobmon_job_ranks", fmt::format("id=\"{}\",name=\"{}\",state=\"{}\"", e->id, label_escape(e->name), names[i]),
               static_cast<double>(split[i]));
  }
  w.family("jobmon_job_ranks_completed_total", "counter", "A datatrove job's ranks with a completion marker (rises only).");
  for (const auto* e : entries) {
    if (const JobRow* row = std::get_if<JobRow>(&e->source))
      w.sample("jobmon_job_ranks_completed_total", fmt::format("id=\"{}\",name=\"{}\"", e->id, label_escape(e->name)),
               static_cast<double>(row->job->completed));
  }
  w.family("jobmon_job_partition_operations", "gauge",
           "A Data-Juicer job's partition-operations by state (done, failed, remaining).");
  for (const auto* e : entries) {
    if (e->kind() != JobKind::data_juicer) continue;
    const std::string base = fmt::format("id=\"{}\",name=\"{}\"", e->id, label_escape(e->name));
    w.sample("jobmon_job_partition_operations", base + ",state=\"done\"", static_cast<double>(e->done));
    w.sample("jobmon_job_partition_operations", base + ",state=\"failed\"", static_cast<double>(e->failed));
    w.sample("jobmon_job_partition_operations", base + ",state=\"remaining\"",
             static_cast<double>(std::max<std::int64_t>(0, e->total - e->done - e->failed)));
  }
  w.family("jobmon_job_partition_operations_completed_total", "counter",
           "A Data-Juicer job's partition-operations done (rises only while its events grow).");
  for (const auto* e : entries) {
    if (e->kind() == JobKind::data_juicer)
      w.sample("jobmon_job_partition_operations_completed_total",
               fmt::format("id=\"{}\",name=\"{}\"", e->id, label_escape(e->name)), static_cast<double>(e->done));
  }
  // The scheduler's word per job: incomplete ranks by joined state (the JSON's rank_issues words).
  w.family("jobmon_job_scheduler_ranks", "gauge", "A datatrove job's incomplete ranks by the scheduler's joined state.");
  for (const auto* e : entries) {
    const JobRow* row = std::get_if<JobRow>(&e->source);
    if (row == nullptr || !row->scheduling) continue;
    // Every word, 0 included: a series that drops to 0 is a series a graph can follow.
    static const std::vector<std::string> words = [] {
      std::vector<std::string> list{"finished_unmarked"};
      for (int i = 0; i <= static_cast<int>(TaskState::unknown); ++i) list.push_back(to_string(static_cast<TaskState>(i)));
      return list;
    }();
    for (const std::string& state : words) {
      const auto it = row->scheduling->states.find(state);
      w.sample("jobmon_job_scheduler_ranks",
               fmt::format("id=\"{}\",name=\"{}\",scheduler=\"{}\",state=\"{}\"", e->id, label_escape(e->name),
                           label_escape(row->scheduling->kind), state),
               it == row->scheduling->states.end() ? 0.0 : static_cast<double>(it->second));
    }
  }
  training_families(w, entries);
  return w.finish();
}

std::string prometheus_metrics(const std::vector<RegistryEntry>& entries, const Totals&, double now) {
  MetricsInputs in;
  in.entries = &entries;
  in.last_refresh = now;
  return render_metrics(in, {});
}

}  // namespace jobmon
