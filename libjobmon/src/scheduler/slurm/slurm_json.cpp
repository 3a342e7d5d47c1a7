// squeue --json / sacct --json rows, read in one pass over each job object
// (keys in any order), then turned into a row by the same rules for both
// answers.
#include "scheduler/slurm/slurm_json.hpp"

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "scheduler/slurm/json_list_splitter.hpp"
#include "scheduler/slurm/slurm_json_reader.hpp"

namespace jobmon::detail {
namespace {

using Number = std::optional<double>;

// An epoch time; Slurm writes 0 for "not yet".
Number epoch(Number n) { return n && *n > 0 ? n : std::nullopt; }

// A number as an integer (truncated), when one holds it: a value past the
// type's range (or NaN) says nothing, and converting it would be undefined.
template <class Int>
std::optional<Int> whole(Number n) {
  constexpr double limit = static_cast<double>(std::numeric_limits<Int>::max());
  if (!n || !(*n > -limit && *n < limit)) return std::nullopt;
  return static_cast<Int>(*n);
}

std::string id_text(Number n) {
  const auto id = whole<std::int64_t>(n);
  return id && *id > 0 ? std::to_string(*id) : std::string();
}

void clear_if(std::string& text, std::string_view a, std::string_view b = {}) {
  if (text == a || (!b.empty() && text == b)) text.clear();
}


// The array fields shared by both answers: base id, index, or the range.
void set_array(SlurmRow& row, const std::string& base, Number index, const std::string& range_text) {
  SchedulerTask& t = row.task;
  t.array_job_id = base.empty() ? t.job_id : base;
  if (index && !base.empty()) {
    t.array_task_index = whole<std::int64_t>(index);
  } else if (!base.empty() && !range_text.empty()) {
    row.is_range = true;
    row.range = parse_array_indices(range_text);
  }
}

struct SqueueJob {
  Number job_id, array_job_id, array_task_id, submit_time, start_time, end_time, time_limit, exit_code;
  std::string array_task_string, job_state, state_reason, nodes, name, dependency, workdir, standard_output, user_name;

  void read(SlurmJsonReader& r, std::string_view key, od::value& v) {
    if (key == "job_id") job_id = r.number(v);
    else if (key == "array_job_id") array_job_id = r.number(v);
    else if (key == "array_task_id") array_task_id = r.number(v);
    else if (key == "array_task_string") array_task_string = r.text(v);
    else if (key == "job_state") job_state = r.state_word(v);
    else if (key == "state_reason") state_reason = r.text(v);
    else if (key == "nodes") nodes = r.text(v);
    else if (key == "submit_time") submit_time = r.number(v);
    else if (key == "start_time") start_time = r.number(v);
    else if (key == "end_time") end_time = r.number(v);
    else if (key == "time_limit") time_limit = r.number(v);
    else if (key == "name") name = r.text(v);
    else if (key == "dependency") dependency = r.text(v);
    else if (key == "current_working_directory") workdir = r.text(v);
    else if (key == "exit_code") exit_code = r.number(v);
    else if (key == "standard_output") standard_output = r.text(v);
    else if (key == "user_name") user_name = r.text(v);
  }
};

void read_squeue_job(SlurmJsonReader& r, od::value& job, std::vector<SlurmRow>& rows) {
  SqueueJob j;
  r.each_field(job, [&](std::string_view key, od::value& v) { j.read(r, key, v); });
  if (!r.ok()) return;
  SlurmRow row;
  SchedulerTask& t = row.task;
  t.source = "squeue";
  t.job_id = id_text(j.job_id);
  if (t.job_id.empty()) return;
  set_array(row, id_text(j.array_job_id), j.array_task_id, j.array_task_string);
  t.slurm_state = std::move(j.job_state);
  t.reason = std::move(j.state_reason);
  clear_if(t.reason, "None");  // how Slurm says there is no reason
  t.node = std::move(j.nodes);
  clear_if(t.node, "None assigned", "(null)");
  t.submit_time = epoch(j.submit_time);
  t.start_time = epoch(j.start_time);
  t.end_time = epoch(j.end_time);
  if (j.time_limit && *j.time_limit > 0) t.time_limit_seconds = *j.time_limit * 60;
  t.name = std::move(j.name);
  t.dependency = std::move(j.dependency);
  row.workdir = std::move(j.workdir);
  t.state = slurm_task_state(t.slurm_state, !t.node.empty() && t.start_time.has_value());
  drop_queue_forecasts(t);
  // exit_code is the wait status (22.05): 256 = exit 1, 15 = SIGTERM.
  if (t.state != TaskState::pending && t.state != TaskState::running && t.state != TaskState::never_scheduled) {
    if (const auto status = whole<int>(j.exit_code); status && *status >= 0) {
      const int s = *status;
      t.exit_code = (s >> 8) & 0xff;
      if ((s & 0x7f) != 0) t.signal = s & 0x7f;
    }
  }
  if (!row.is_range) {
    t.stdout_path = expand_output_pattern(j.standard_output, t, j.user_name, row.workdir);
  } else {
    row.output_pattern = std::move(j.standard_output);
    row.user = std::move(j.user_name);
  }
  rows.push_back(std::move(row));
}

// {"status": "FAILED"|"SIGNALED"|"SUCCESS", "return_code": 1, "signal": {"signal_id": 9}}.
struct ExitFields {
  Number return_code, signal_id;

  void read(SlurmJsonReader& r, od::value& v) {
    *this = {};
    r.each_field(v, [&](std::string_view key, od::value& f) {
      if (key == "return_code") {
        return_code = r.number(f);
      } else if (key == "signal") {
        signal_id.reset();
        r.each_field(f, [&](std::string_view k, od::value& s) {
          if (k == "signal_id") signal_id = r.number(s);
        });
      }
    });
  }

  // 22.05's sacct writes SUCCESS/0 for rows whose exit was not 0 (a FAILED
  // job's row and its batch step alike): a zero is trusted only for a
  // completed row.
  void apply(bool completed, std::optional<int>& code, std::optional<int>& signal) const {
    if (return_code && (*return_code != 0 || completed)) code = whole<int>(return_code);
    if (signal_id && *signal_id > 0) signal = whole<int>(signal_id);
  }
};

struct SacctStep {
  std::string state, id;
  ExitFields exit;
};

struct SacctJob {
  Number job_id, array_job_id, array_task_id, submission, start, end, elapsed, limit;
  std::string array_task, state, reason, nodes, name, workdir;
  ExitFields exit;
  std::vector<SacctStep> steps;

  void read(SlurmJsonReader& r, std::string_view key, od::value& v) {
    if (key == "job_id") {
      job_id = r.number(v);
    } else if (key == "array") {
      array_job_id = array_task_id = std::nullopt;
      array_task.clear();
      r.each_field(v, [&](std::string_view k, od::value& f) {
        if (k == "job_id") array_job_id = r.number(f);
        else if (k == "task_id") array_task_id = r.number(f);
        else if (k == "task") array_task = r.text(f);
      });
    } else if (key == "state") {
      state.clear();
      reason.clear();
      r.each_field(v, [&](std::string_view k, od::value& f) {
        if (k == "current") state = r.state_word(f);
        else if (k == "reason") reason = r.text(f);
      });
    } else if (key == "time") {
      submission = start = end = elapsed = limit = std::nullopt;
      r.each_field(v, [&](std::string_view k, od::value& f) {
        if (k == "submission") submission = r.number(f);
        else if (k == "start") start = r.number(f);
        else if (k == "end") end = r.number(f);
        else if (k == "elapsed") elapsed = r.number(f);
        else if (k == "limit") limit = r.number(f);
      });
    } else if (key == "nodes") {
      nodes = r.text(v);
    } else if (key == "name") {
      name = r.text(v);
    } else if (key == "working_directory") {
      workdir = r.text(v);
    } else if (key == "exit_code") {
      exit.read(r, v);
    } else if (key == "steps") {
      steps.clear();
      r.each_element(v, [&](od::value& s) {
        if (r.type(s) != od::json_type::object) return;
        SacctStep& step = steps.emplace_back();
        r.each_field(s, [&](std::string_view k, od::value& f) {
          if (k == "state") {
            step.state = r.state_word(f);
          } else if (k == "exit_code") {
            step.exit.read(r, f);
          } else if (k == "step") {
            step.id.clear();
            r.each_field(f, [&](std::string_view sk, od::value& sf) {
              if (sk == "id") step.id = r.text(sf);
            });
          }
        });
      });
    }
  }
};

void read_sacct_job(SlurmJsonReader& r, od::value& job, std::vector<SlurmRow>& rows) {
  SacctJob j;
  r.each_field(job, [&](std::string_view key, od::value& v) { j.read(r, key, v); });
  if (!r.ok()) return;
  SlurmRow row;
  SchedulerTask& t = row.task;
  t.source = "sacct";
  t.job_id = id_text(j.job_id);
  if (t.job_id.empty()) return;
  set_array(row, id_text(j.array_job_id), j.array_task_id, j.array_task);
  t.slurm_state = std::move(j.state);
  t.reason = std::move(j.reason);
  clear_if(t.reason, "None");
  t.submit_time = epoch(j.submission);
  t.start_time = epoch(j.start);
  t.end_time = epoch(j.end);
  if (j.elapsed && t.start_time) t.elapsed_seconds = *j.elapsed;
  if (j.limit && *j.limit > 0) t.time_limit_seconds = *j.limit * 60;
  t.node = std::move(j.nodes);
  clear_if(t.node, "None assigned", "(null)");
  t.name = std::move(j.name);
  row.workdir = std::move(j.workdir);
  t.state = slurm_task_state(t.slurm_state, !t.node.empty() && t.start_time.has_value());
  const bool completed = t.state == TaskState::completed;
  if (t.state != TaskState::pending && t.state != TaskState::running && t.state != TaskState::never_scheduled) {
    j.exit.apply(completed, t.exit_code, t.signal);
  }
  // Steps: OUT_OF_MEMORY shows on srun's step (.0) only, under a FAILED
  // job row; the batch step's signal tells how a timed-out or cancelled
  // task was ended (TIMEOUT 0:0, steps CANCELLED 0:15).
  for (const SacctStep& s : j.steps) {
    if (slurm_task_state(s.state, true) == TaskState::out_of_memory) {
      t.state = TaskState::out_of_memory;
      std::optional<int> code, signal;
      s.exit.apply(false, code, signal);
      if (!t.exit_code && code) t.exit_code = code;
      if (!t.signal && signal) t.signal = signal;
    }
    if (s.id == "batch" && !t.signal && !completed) {
      std::optional<int> code, signal;
      s.exit.apply(false, code, signal);
      if (signal) t.signal = signal;
      if (!t.exit_code && code) t.exit_code = code;
    }
  }
  rows.push_back(std::move(row));
}

using ReadJob = void (*)(SlurmJsonReader&, od::value&, std::vector<SlurmRow>&);

}  // namespace

struct SlurmJsonStream::Impl {
  const char* what;
  ReadJob read_job;
  od::parser parser;  // its buffers sized for one job object, reused for the next
  SlurmJsonReader reader;
  SlurmRows out;
  JsonListSplitter splitter;

  Impl(const char* what_, ReadJob read_job_)
      : what(what_),
        read_job(read_job_),
        splitter("jobs", simdjson::SIMDJSON_PADDING,
                 [this](std::string_view job, std::size_t readable) { return read_element(job, readable); },
                 [this] { out.rows.clear(); }) {}

  // One element of "jobs": a job object is read into a row; anything else
  // is no job and skipped.
  bool read_element(std::string_view text, std::size_t readable) {
    SlurmJsonReader& r = reader;
    od::document doc;
    od::json_type type{};
    if (!r.check(parser.iterate(text.data(), text.size(), readable).get(doc)) || !r.check(doc.type().get(type))) {
      return false;
    }
    if (type != od::json_type::object) return true;
    od::value job;
    if (!r.check(doc.get_value().get(job))) return false;
    read_job(r, job, out.rows);
    return r.ok();
  }
};

SlurmJsonStream::SlurmJsonStream(Command command)
    : impl_(command == Command::squeue ? std::make_unique<Impl>("squeue --json", read_squeue_job)
                                       : std::make_unique<Impl>("sacct --json", read_sacct_job)) {}

SlurmJsonStream::~SlurmJsonStream() = default;

bool SlurmJsonStream::feed(std::string_view piece) { return impl_->splitter.feed(piece); }

SlurmRows SlurmJsonStream::finish() {
  Impl& i = *impl_;
  const bool whole = i.splitter.finish();
  SlurmRows out = std::move(i.out);
  if (!i.reader.ok() || !whole) {
    const std::string why = !i.reader.ok() ? simdjson::error_message(i.reader.error) : i.splitter.error();
    out.rows.clear();
    out.problem = std::string(i.what) + ": unreadable JSON (" + why + ")";
  } else if (!i.splitter.has_list()) {
    out.rows.clear();
    out.problem = std::string(i.what) + ": JSON without a \"jobs\" list";
  }
  return out;
}

namespace {

SlurmRows parse_whole(SlurmJsonStream::Command command, std::string_view text) {
  SlurmJsonStream stream(command);
  // In pieces, so that a big text is not copied whole once more.
  constexpr std::size_t piece = std::size_t{1} << 20;
  for (std::size_t at = 0; at < text.size(); at += piece) {
    if (!stream.feed(text.substr(at, piece))) break;
  }
  return stream.finish();
}

}  // namespace

SlurmRows parse_squeue_json(std::string_view text) { return parse_whole(SlurmJsonStream::Command::squeue, text); }

SlurmRows parse_sacct_json(std::string_view text) { return parse_whole(SlurmJsonStream::Command::sacct, text); }

}  // namespace jobmon::detail
