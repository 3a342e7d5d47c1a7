// squeue -o / sacct -P text: one row a line, '|' between fields, the job name last.
#include "scheduler/slurm/slurm_parsable.hpp"

#include <map>

#include "core/text/text.hpp"

namespace jobmon::detail {
namespace {

// Splits into exactly `n` fields, the last taking the rest of the line; empty when fewer.
std::vector<std::string_view> fields_of(std::string_view line, std::size_t n) {
  std::vector<std::string_view> f;
  while (f.size() + 1 < n) {
    const auto bar = line.find('|');
    if (bar == std::string_view::npos) return {};
    f.push_back(line.substr(0, bar));
    line.remove_prefix(bar + 1);
  }
  f.push_back(line);
  return f;
}

std::string none_if(std::string_view v, std::initializer_list<std::string_view> empties) {
  for (auto e : empties) {
    if (v == e) return {};
  }
  return std::string(v);
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "1:0" -> exit 1, signal none; "0:15" -> exit 0, signal 15.
void read_exit(std::string_view text, std::optional<int>& code, std::optional<int>& signal) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return;
  const auto c = parse_decimal(text.substr(0, colon), 4);
  const auto s = parse_decimal(text.substr(colon + 1), 4);
  if (c) code = static_cast<int>(*c);
  if (s && *s != 0) signal = static_cast<int>(*s);
}

}  // namespace

SlurmRows parse_squeue_parsable(std::string_view text) {
  SlurmRows out;
  for_each_line(text, [&](std::string_view line) {
    line = trim_line(line);
    if (line.empty()) return;
    const auto f = fields_of(line, 14);
    if (f.empty() || !all_digits(f[0])) {
      if (out.problem.empty()) out.problem = "squeue: unreadable line: " + clip(line, 120, "...");
      return;
    }
    SlurmRow row;
    SchedulerTask& t = row.task;
    t.source = "squeue";
    t.job_id = std::string(f[0]);
    t.array_job_id = all_digits(f[1]) ? std::string(f[1]) : t.job_id;
    if (all_digits(f[2])) {
      t.array_task_index = static_cast<std::int64_t>(*parse_decimal(f[2], 18));
    } else if (f[2] != "N/A" && !f[2].empty()) {
      row.is_range = true;
      row.range = parse_array_indices(f[2]);
    }
    t.slurm_state = std::string(f[3]);
    t.reason = none_if(f[4], {"None", "(null)"});
    t.node = none_if(f[5], {"(null)", "None assigned"});
    t.start_time = parse_slurm_time(f[6]);
    t.end_time = parse_slurm_time(f[7]);
    t.submit_time = parse_slurm_time(f[8]);
    t.time_limit_seconds = parse_slurm_duration(f[9]);
    row.workdir = none_if(f[10], {"(null)", "N/A"});
    t.dependency = none_if(f[12], {"(null)"});
    t.name = std::string(f[13]);
    t.state = slurm_task_state(t.slurm_state, !t.node.empty() && t.start_time.has_value());
    drop_queue_forecasts(t);
    out.rows.push_back(std::move(row));
  });
  return out;
}

SlurmRows parse_sacct_parsable(std::string_view text) {
  SlurmRows out;
  std::map<std::string, std::size_t, std::less<>> by_raw_id;
  for_each_line(text, [&](std::string_view line) {
    line = trim_line(line);
    if (line.empty()) return;
    const auto f = fields_of(line, 13);
    if (f.empty()) {
      if (out.problem.empty()) out.problem = "sacct: unreadable line: " + clip(line, 120, "...");
      return;
    }
    const std::string_view raw = f[1];
    if (const auto dot = raw.find('.'); dot != std::string_view::npos) {
      // A step ("5.batch", "5.0"): OUT_OF_MEMORY on srun's step makes the task OOM.
      const auto parent = by_raw_id.find(raw.substr(0, dot));
      if (parent == by_raw_id.end()) return;
      SchedulerTask& t = out.rows[parent->second].task;
      const bool completed = t.state == TaskState::completed;
      std::optional<int> code, signal;
      read_exit(f[3], code, signal);
      if (slurm_task_state(f[2], true) == TaskState::out_of_memory) {
        t.state = TaskState::out_of_memory;
        if (!t.signal && signal) t.signal = signal;
      }
      if (raw.substr(dot + 1) == "batch" && !completed && !t.signal && signal) t.signal = signal;
      return;
    }
    if (!all_digits(raw)) {
      if (out.problem.empty()) out.problem = "sacct: unreadable line: " + clip(line, 120, "...");
      return;
    }
    SlurmRow row;
    SchedulerTask& t = row.task;
    t.source = "sacct";
    t.job_id = std::string(raw);
    // JobID: "34_3" (a task), "34_[3-5]" (a range), "34" (not an array).
    const std::string_view id = f[0];
    if (const auto us = id.find('_'); us != std::string_view::npos) {
      t.array_job_id = std::string(id.substr(0, us));
      const std::string_view rest = id.substr(us + 1);
      if (all_digits(rest)) {
        t.array_task_index = static_cast<std::int64_t>(*parse_decimal(rest, 18));
      } else {
        row.is_range = true;
        row.range = parse_array_indices(rest);
      }
    } else {
      t.array_job_id = t.job_id;
    }
    t.slurm_state = std::string(f[2]);
    t.start_time = parse_slurm_time(f[4]);
    t.end_time = parse_slurm_time(f[5]);
    if (t.start_time) t.elapsed_seconds = parse_slurm_duration(f[6]);
    t.submit_time = parse_slurm_time(f[7]);
    t.time_limit_seconds = parse_slurm_duration(f[8]);
    t.node = none_if(f[9], {"None assigned", "(null)"});
    t.reason = none_if(f[10], {"None", "(null)"});
    row.workdir = std::string(f[11]);
    t.name = std::string(f[12]);
    t.state = slurm_task_state(t.slurm_state, !t.node.empty() && t.start_time.has_value());
    if (t.state != TaskState::pending && t.state != TaskState::running && t.state != TaskState::never_scheduled) {
      read_exit(f[3], t.exit_code, t.signal);
    }
    by_raw_id[t.job_id] = out.rows.size();
    out.rows.push_back(std::move(row));
  });
  return out;
}

}  // namespace jobmon::detail
