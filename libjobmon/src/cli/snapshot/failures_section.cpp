#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "cli/snapshot/sections.hpp"
#include "core/text/text.hpp"

namespace jobmon::detail {
namespace {

constexpr std::string_view message_indent = "      ";

// "job; partitions 0, 3, 7; ops x, y": where one message hit.
std::string where_text(const FailureGroup& g) {
  std::vector<std::string> parts;
  if (g.job_level) parts.emplace_back("job");
  if (!g.partition_ids.empty()) {
    std::vector<std::string> ids;
    for (const std::int64_t id : g.partition_ids) ids.push_back(fmt::format("{}", id));
    if (g.partition_ids.size() >= FailureGroup::max_listed_ids) ids.emplace_back("...");
    parts.push_back(fmt::format("{} {}", g.partition_ids.size() == 1 ? "partition" : "partitions", join(ids, ", ")));
  }
  if (!g.operation_names.empty()) {
    std::vector<std::string> names;
    for (const std::string& n : g.operation_names) names.push_back(terminal_safe(n));
    parts.push_back(fmt::format("{} {}", names.size() == 1 ? "op" : "ops", join(names, ", ")));
  }
  return parts.empty() ? std::string("job") : join(parts, "; ");
}

// "   <where>: <first line>", then each further line of the message (a
// traceback) indented under it, so none can pass for a line of another
// section; a long one keeps its head and its last lines (the exception).
void render_item(std::string& out, const SnapshotViewOptions& o, const std::string& where, const std::string& message) {
  std::vector<std::string> lines;
  for_each_line(message, [&](std::string_view l) {
    l = trim_right(l, "\r");
    if (!trim(l).empty()) lines.push_back(terminal_safe(l));
  });
  out += fmt::format("   {}: {}\n", paint(o.style, Color::red, where), lines.empty() ? "(no message)" : lines.front());
  const std::size_t rest = lines.empty() ? 0 : lines.size() - 1;
  const std::size_t budget = std::max<std::size_t>(o.max_message_lines, 3);
  const std::size_t tail = rest > budget ? 2 : 0;
  const std::size_t head = rest > budget ? budget - 3 : rest;
  for (std::size_t i = 1; i <= head; ++i) (out += message_indent) += lines[i] + "\n";
  if (tail > 0) {
    out += fmt::format("{}... {} more lines\n", message_indent, rest - head - tail);
    for (std::size_t i = lines.size() - tail; i < lines.size(); ++i) (out += message_indent) += lines[i] + "\n";
  }
}

void render_groups(std::string& out, const SnapshotViewOptions& o, const std::vector<FailureGroup>& groups,
                   bool with_run) {
  std::size_t shown = 0;
  for (const FailureGroup& g : groups) {
    if (shown++ == o.max_failures) {
      out += fmt::format("   ... and {} more\n", groups.size() - o.max_failures);
      break;
    }
    std::string where = with_run ? fmt::format("run {}: {}", g.run, where_text(g)) : where_text(g);
    if (g.occurrences > 1) where += fmt::format(" ({} times)", format_thousands(static_cast<std::int64_t>(g.occurrences)));
    render_item(out, o, where, g.message);
  }
}

std::size_t occurrences(const std::vector<FailureGroup>& groups) {
  std::size_t n = 0;
  for (const FailureGroup& g : groups) n += g.occurrences;
  return n;
}

}  // namespace

void render_failures(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  if (!s.failure_groups.empty()) {
    snapshot_section(out, o.style, "❌", fmt::format("Failures ({})", format_thousands(static_cast<std::int64_t>(occurrences(s.failure_groups)))));
    render_groups(out, o, s.failure_groups, false);
  } else if (s.earlier_failure_groups.empty() && s.failures_total > 0) {
    // An analyzer that filled no groups: each failure as it was recorded.
    snapshot_section(out, o.style, "❌", fmt::format("Failures ({})", format_thousands(static_cast<std::int64_t>(s.failures_total))));
    const std::size_t shown = std::min(s.failures.size(), o.max_failures);
    for (std::size_t i = 0; i < shown; ++i) {
      const Failure& f = s.failures[i];
      std::string where = f.partition_id ? fmt::format("partition {}", *f.partition_id) : std::string("job");
      if (f.operation_idx) where += fmt::format(", op {} {}", *f.operation_idx, terminal_safe(f.operation_name));
      render_item(out, o, where, f.message);
    }
    if (s.failures_total > shown) out += fmt::format("   ... and {} more\n", s.failures_total - shown);
  }
  if (!s.earlier_failure_groups.empty()) {
    snapshot_section(out, o.style, "📜",
                     fmt::format("Failures of earlier runs (history, {})",
                                 format_thousands(static_cast<std::int64_t>(occurrences(s.earlier_failure_groups)))));
    render_groups(out, o, s.earlier_failure_groups, true);
  }
}

}  // namespace jobmon::detail
