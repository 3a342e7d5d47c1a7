// Slurm's words and notations: states, index lists, dependencies, output
// patterns, durations and times.
#include "scheduler/slurm/slurm_rows.hpp"

#include <charconv>
#include <ctime>
#include <utility>

#include "core/text/iso8601.hpp"
#include "core/text/text.hpp"

namespace jobmon::detail {
namespace {

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

TaskState slurm_task_state(std::string_view word, bool ran) {
  const std::string_view first = word.substr(0, word.find(' '));  // "CANCELLED by 0"
  static const std::pair<std::string_view, TaskState> table[] = {
      {"PENDING", TaskState::pending},         {"CONFIGURING", TaskState::pending},
      {"RUNNING", TaskState::running},         {"COMPLETING", TaskState::running},
      {"STAGE_OUT", TaskState::running},       {"SIGNALING", TaskState::running},
      {"RESIZING", TaskState::running},        {"SUSPENDED", TaskState::suspended},
      {"STOPPED", TaskState::suspended},       {"COMPLETED", TaskState::completed},
      {"FAILED", TaskState::failed},           {"SPECIAL_EXIT", TaskState::failed},
      {"TIMEOUT", TaskState::timeout},         {"DEADLINE", TaskState::timeout},
      {"OUT_OF_MEMORY", TaskState::out_of_memory}, {"CANCELLED", TaskState::cancelled},
      {"REVOKED", TaskState::cancelled},       {"NODE_FAIL", TaskState::node_fail},
      {"BOOT_FAIL", TaskState::node_fail},     {"PREEMPTED", TaskState::preempted},
      {"REQUEUED", TaskState::requeued},       {"REQUEUE_FED", TaskState::requeued},
      {"REQUEUE_HOLD", TaskState::requeued},
  };
  for (const auto& [name, state] : table) {
    if (first == name) return state == TaskState::cancelled && !ran ? TaskState::never_scheduled : state;
  }
  return TaskState::unknown;
}

void drop_queue_forecasts(SchedulerTask& task) {
  if (task.state == TaskState::pending || task.state == TaskState::requeued) task.start_time.reset();
  if (is_live(task.state)) task.end_time.reset();
}

std::vector<std::int64_t> parse_array_indices(std::string_view text, std::size_t cap) {
  std::vector<std::int64_t> out;
  text = trim(text);
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    // sacct's bitmap: the last hex digit holds indices 0-3.
    const std::string_view hex = text.substr(2);
    for (std::size_t i = 0; i < hex.size(); ++i) {
      const char c = hex[hex.size() - 1 - i];
      int nibble = 0;
      if (c >= '0' && c <= '9') nibble = c - '0';
      else if (c >= 'a' && c <= 'f') nibble = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') nibble = c - 'A' + 10;
      else return {};
      for (int bit = 0; bit < 4; ++bit) {
        if ((nibble >> bit) & 1) {
          if (out.size() >= cap) return out;
          out.push_back(static_cast<std::int64_t>(i * 4 + static_cast<std::size_t>(bit)));
        }
      }
    }
    return out;
  }
  if (!text.empty() && text.front() == '[') text.remove_prefix(1);
  if (!text.empty() && text.back() == ']') text.remove_suffix(1);
  text = text.substr(0, text.find('%'));  // "0-9%2": the throttle
  for (const std::string& part : split_nonempty(text, ',')) {
    std::string_view p = part;
    std::int64_t step = 1;
    if (const auto colon = p.find(':'); colon != std::string_view::npos) {
      const auto s = to_int(p.substr(colon + 1));
      if (!s || *s <= 0) return {};
      step = *s;
      p = p.substr(0, colon);
    }
    const auto dash = p.find('-');
    const auto first = to_int(p.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : to_int(p.substr(dash + 1));
    if (!first || !last || *first < 0 || *last < *first) return {};
    for (std::int64_t i = *first; i <= *last; i += step) {
      if (out.size() >= cap) return out;
      out.push_back(i);
    }
  }
  return out;
}

std::vector<std::string> dependency_job_ids(std::string_view dependency) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while ((pos = dependency.find(':', pos)) != std::string_view::npos) {
    ++pos;
    std::size_t end = pos;
    while (end < dependency.size() && dependency[end] >= '0' && dependency[end] <= '9') ++end;
    if (end > pos) ids.emplace_back(dependency.substr(pos, end - pos));
  }
  return ids;
}

std::string expand_output_pattern(std::string_view pattern, const SchedulerTask& task, std::string_view user,
                                  std::string_view workdir) {
  if (pattern.empty()) return {};
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 >= pattern.size()) {
      out += pattern[i];
      continue;
    }
    std::size_t j = i + 1;
    int width = 0;
    while (j < pattern.size() && pattern[j] >= '0' && pattern[j] <= '9' && width < 10) width = width * 10 + (pattern[j++] - '0');
    if (j >= pattern.size()) {
      out.append(pattern.substr(i));
      break;
    }
    std::string value;
    const bool array = task.array_task_index.has_value();
    switch (pattern[j]) {
      case '%': value = "%"; break;
      case 'A': value = array ? task.array_job_id : task.job_id; break;
      case 'a': value = array ? std::to_string(*task.array_task_index) : "4294967294"; break;
      case 'j': case 'J': value = task.job_id; break;
      case 'x': value = task.name; break;
      case 'u': value = std::string(user); break;
      case 'N': value = task.node; break;
      case 'n': case 't': value = "0"; break;
      case 's': value = "batch"; break;
      default: value = std::string(pattern.substr(i, j - i + 1)); width = 0; break;
    }
    if (static_cast<int>(value.size()) < width) value.insert(0, static_cast<std::size_t>(width) - value.size(), '0');
    out += value;
    i = j;
  }
  if (!out.empty() && out.front() != '/' && !workdir.empty()) out = std::string(workdir) + "/" + out;
  return out;
}

std::optional<double> parse_slurm_duration(std::string_view text) {
  text = trim(text);
  std::int64_t days = 0;
  bool had_days = false;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    const auto d = to_int(text.substr(0, dash));
    if (!d) return std::nullopt;
    days = *d;
    had_days = true;
    text = text.substr(dash + 1);
  }
  const std::string s(text);
  std::vector<std::string> parts = split_nonempty(s, ':');
  if (parts.empty() || parts.size() > 3) return std::nullopt;
  std::int64_t total = 0;
  for (const auto& part : parts) {
    // "03:04.123" (sacct's elapsed of a short step): whole seconds are enough.
    const auto v = to_int(std::string_view(part).substr(0, part.find('.')));
    if (!v || *v < 0) return std::nullopt;
    total = total * 60 + *v;
  }
  // After a day count the fields start at hours: "1-02" and "1-02:03".
  if (had_days && parts.size() == 1) total *= 3600;
  if (had_days && parts.size() == 2) total *= 60;
  return static_cast<double>(days * 86400 + total);
}

std::optional<double> parse_slurm_time(std::string_view text) {
  const auto fields = scan_iso8601(trim(text));
  if (!fields || fields->zone != 0) return std::nullopt;
  std::tm tm{};
  tm.tm_year = fields->civil.year - 1900;
  tm.tm_mon = fields->civil.month - 1;
  tm.tm_mday = fields->civil.day;
  tm.tm_hour = fields->civil.hour;
  tm.tm_min = fields->civil.minute;
  tm.tm_sec = fields->civil.second;
  tm.tm_isdst = -1;  // Slurm writes the cluster's local time
  const std::time_t t = std::mktime(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<double>(t);
}

}  // namespace jobmon::detail
