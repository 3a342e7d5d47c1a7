// The Boost.JSON reader of squeue/sacct --json that libjobmon used before
// its simdjson On-Demand one, kept as the reference the new reader must
// agree with on every readable answer (test_slurm_json_reference.cpp).
#pragma once

#include <boost/json.hpp>

#include "scheduler/slurm/slurm_json.hpp"

namespace jobmon::reference {
namespace {

namespace json = boost::json;
using namespace jobmon::detail;

const json::value* field(const json::object& o, std::string_view key) { return o.if_contains(key); }

// A number as 22.05 writes it (42), or as later versions do ({"set": true, "number": 42}).
std::optional<double> number(const json::value* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  if (const auto* o = v->if_object()) {
    const auto* set = o->if_contains("set");
    if (set != nullptr && set->is_bool() && !set->as_bool()) return std::nullopt;
    const auto* inf = o->if_contains("infinite");
    if (inf != nullptr && inf->is_bool() && inf->as_bool()) return std::nullopt;
    return number(o->if_contains("number"));
  }
  return std::nullopt;
}

// An epoch time; Slurm writes 0 for "not yet".
std::optional<double> epoch(const json::value* v) {
  const auto n = number(v);
  if (!n || *n <= 0) return std::nullopt;
  return n;
}

std::string text(const json::value* v) {
  if (v != nullptr && v->is_string()) return std::string(v->as_string());
  return {};
}

// "RUNNING", or a list of flags whose first is the state (23.02+).
std::string state_word(const json::value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->as_string());
  if (const auto* a = v->if_array(); a != nullptr && !a->empty()) return text(&a->front());
  return {};
}

std::string nodes_of(const json::value* v) {
  std::string n = text(v);
  return n == "None assigned" || n == "(null)" ? std::string() : n;
}

std::string id_text(const json::value* v) {
  const auto n = number(v);
  if (!n || *n <= 0) return {};
  return std::to_string(static_cast<std::int64_t>(*n));
}

// "None" is how Slurm says there is no reason.
std::string reason_of(const json::value* v) {
  std::string r = text(v);
  return r == "None" ? std::string() : r;
}

std::optional<json::value> parse_document(std::string_view text, std::string& problem, const char* what) {
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 64;
  json::value doc = json::parse(text, ec, {}, opts);
  if (ec) {
    problem = std::string(what) + ": unreadable JSON (" + ec.message() + ")";
    return std::nullopt;
  }
  const auto* o = doc.if_object();
  const auto* jobs = o != nullptr ? o->if_contains("jobs") : nullptr;
  if (jobs == nullptr || !jobs->is_array()) {
    problem = std::string(what) + ": JSON without a \"jobs\" list";
    return std::nullopt;
  }
  return doc;
}

// The array fields shared by both answers: base id, index, or the range.
void set_array(SlurmRow& row, const std::string& base, const json::value* index, const std::string& range_text) {
  SchedulerTask& t = row.task;
  t.array_job_id = base.empty() ? t.job_id : base;
  if (const auto i = number(index); i && !base.empty()) {
    t.array_task_index = static_cast<std::int64_t>(*i);
  } else if (!base.empty() && !range_text.empty()) {
    row.is_range = true;
    row.range = parse_array_indices(range_text);
  }
}

SlurmRows parse_squeue_json(std::string_view input) {
  SlurmRows out;
  const auto doc = parse_document(input, out.problem, "squeue --json");
  if (!doc) return out;
  for (const auto& j : doc->as_object().at("jobs").as_array()) {
    const auto* o = j.if_object();
    if (o == nullptr) continue;
    SlurmRow row;
    SchedulerTask& t = row.task;
    t.source = "squeue";
    t.job_id = id_text(field(*o, "job_id"));
    if (t.job_id.empty()) continue;
    set_array(row, id_text(field(*o, "array_job_id")), field(*o, "array_task_id"), text(field(*o, "array_task_string")));
    t.slurm_state = state_word(field(*o, "job_state"));
    t.reason = reason_of(field(*o, "state_reason"));
    t.node = nodes_of(field(*o, "nodes"));
    t.submit_time = epoch(field(*o, "submit_time"));
    t.start_time = epoch(field(*o, "start_time"));
    t.end_time = epoch(field(*o, "end_time"));
    if (const auto limit = number(field(*o, "time_limit")); limit && *limit > 0) t.time_limit_seconds = *limit * 60;
    t.name = text(field(*o, "name"));
    t.dependency = text(field(*o, "dependency"));
    row.workdir = text(field(*o, "current_working_directory"));
    t.state = slurm_task_state(t.slurm_state, !t.node.empty() && t.start_time.has_value());
    drop_queue_forecasts(t);
    // exit_code is the wait status (22.05): 256 = exit 1, 15 = SIGTERM.
    if (t.state != TaskState::pending && t.state != TaskState::running && t.state != TaskState::never_scheduled) {
      if (const auto status = number(field(*o, "exit_code")); status && *status >= 0) {
        const auto s = static_cast<int>(*status);
        t.exit_code = (s >> 8) & 0xff;
        if ((s & 0x7f) != 0) t.signal = s & 0x7f;
      }
    }
    const std::string pattern = text(field(*o, "standard_output"));
    if (!row.is_range) {
      t.stdout_path = expand_output_pattern(pattern, t, text(field(*o, "user_name")), row.workdir);
    } else {
      row.output_pattern = pattern;
      row.user = text(field(*o, "user_name"));
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

// {"status": "FAILED"|"SIGNALED"|"SUCCESS", "return_code": 1, "signal": {"signal_id": 9}}.
// 22.05's sacct writes SUCCESS/0 for rows whose exit was not 0 (a FAILED
// job's row and its batch step alike): a zero is trusted only for a
// completed row.
void read_exit(const json::value* v, bool completed, std::optional<int>& code, std::optional<int>& signal) {
  const auto* o = v != nullptr ? v->if_object() : nullptr;
  if (o == nullptr) return;
  if (const auto rc = number(o->if_contains("return_code")); rc && (*rc != 0 || completed)) code = static_cast<int>(*rc);
  if (const auto* s = o->if_contains("signal"); s != nullptr && s->is_object()) {
    if (const auto id = number(s->as_object().if_contains("signal_id")); id && *id > 0) signal = static_cast<int>(*id);
  }
}

SlurmRows parse_sacct_json(std::string_view input) {
  SlurmRows out;
  const auto doc = parse_document(input, out.problem, "sacct --json");
  if (!doc) return out;
  for (const auto& j : doc->as_object().at("jobs").as_array()) {
    const auto* o = j.if_object();
    if (o == nullptr) continue;
    SlurmRow row;
    SchedulerTask& t = row.task;
    t.source = "sacct";
    t.job_id = id_text(field(*o, "job_id"));
    if (t.job_id.empty()) continue;
    std::string base;
    const json::value* index = nullptr;
    std::string range;
    if (const auto* a = field(*o, "array"); a != nullptr && a->is_object()) {
      base = id_text(a->as_object().if_contains("job_id"));
      index = a->as_object().if_contains("task_id");
      range = text(a->as_object().if_contains("task"));
    }
    set_array(row, base, index, range);
    if (const auto* s = field(*o, "state"); s != nullptr && s->is_object()) {
      t.slurm_state = state_word(s->as_object().if_contains("current"));
      t.reason = reason_of(s->as_object().if_contains("reason"));
    }
    if (const auto* tm = field(*o, "time"); tm != nullptr && tm->is_object()) {
      const auto& times = tm->as_object();
      t.submit_time = epoch(times.if_contains("submission"));
      t.start_time = epoch(times.if_contains("start"));
      t.end_time = epoch(times.if_contains("end"));
      if (const auto e = number(times.if_contains("elapsed")); e && t.start_time) t.elapsed_seconds = *e;
      if (const auto limit = number(times.if_contains("limit")); limit && *limit > 0) t.time_limit_seconds = *limit * 60;
    }
    t.node = nodes_of(field(*o, "nodes"));
    t.name = text(field(*o, "name"));
    row.workdir = text(field(*o, "working_directory"));
    t.state = slurm_task_state(t.slurm_state, !t.node.empty() && t.start_time.has_value());
    const bool completed = t.state == TaskState::completed;
    if (t.state != TaskState::pending && t.state != TaskState::running && t.state != TaskState::never_scheduled) {
      read_exit(field(*o, "exit_code"), completed, t.exit_code, t.signal);
    }
    // Steps: OUT_OF_MEMORY shows on srun's step (.0) only, under a FAILED
    // job row; the batch step's signal tells how a timed-out or cancelled
    // task was ended (TIMEOUT 0:0, steps CANCELLED 0:15).
    if (const auto* steps = field(*o, "steps"); steps != nullptr && steps->is_array()) {
      for (const auto& sv : steps->as_array()) {
        const auto* s = sv.if_object();
        if (s == nullptr) continue;
        const std::string word = state_word(s->if_contains("state"));
        if (slurm_task_state(word, true) == TaskState::out_of_memory) {
          t.state = TaskState::out_of_memory;
          std::optional<int> code, signal;
          read_exit(s->if_contains("exit_code"), false, code, signal);
          if (!t.exit_code && code) t.exit_code = code;
          if (!t.signal && signal) t.signal = signal;
        }
        std::string step_id;
        if (const auto* st = s->if_contains("step"); st != nullptr && st->is_object()) step_id = text(st->as_object().if_contains("id"));
        if (step_id == "batch" && !t.signal && !completed) {
          std::optional<int> code, signal;
          read_exit(s->if_contains("exit_code"), false, code, signal);
          if (signal) t.signal = signal;
          if (!t.exit_code && code) t.exit_code = code;
        }
      }
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace
}  // namespace jobmon::reference
