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

// "2 partitions, 1 job-level; 4 reports in 2 groups": what failed, then how
// often it was reported. One traceback reaches the op, its partition and the
// job, so the reports outnumber the failures. A group lists at most
// max_listed_ids partitions: past that, the count is a lower bound.
std::string failure_counts(const std::vector<FailureGroup>& groups) {
  std::vector<std::int64_t> partitions;
  bool capped = false;
  std::size_t job_level = 0, reports = 0;
  for (const FailureGroup& g : groups) {
    partitions.insert(partitions.end(), g.partition_ids.begin(), g.partition_ids.end());
    capped = capped || g.partition_ids.size() >= FailureGroup::max_listed_ids;
    job_level += g.job_level ? 1 : 0;
    reports += g.occurrences;
  }
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  const auto n = [](std::size_t v) { return format_thousands(static_cast<std::int64_t>(v)); };
  std::vector<std::string> what;
  if (!partitions.empty())
    what.push_back(fmt::format("{}{} {}", capped ? "at least " : "", n(partitions.size()),
                               partitions.size() == 1 ? "partition" : "partitions"));
  if (job_level > 0) what.push_back(fmt::format("{} job-level", n(job_level)));
  const std::string how_often = fmt::format("{} {} in {} {}", n(reports), reports == 1 ? "report" : "reports",
                                            n(groups.size()), groups.size() == 1 ? "group" : "groups");
  return what.empty() ? how_often : fmt::format("{}; {}", join(what, ", "), how_often);
}

}  // namespace

void render_failures(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  // The analyzer groups every failure it records (follow mode included), so
  // the groups are the whole story.
  if (!s.failure_groups.empty()) {
    snapshot_section(out, o.style, "❌", fmt::format("Failures ({})", failure_counts(s.failure_groups)));
    render_groups(out, o, s.failure_groups, false);
  }
  if (!s.earlier_failure_groups.empty()) {
    snapshot_section(out, o.style, "📜", fmt::format("Failures of earlier runs (history; {})", failure_counts(s.earlier_failure_groups)));
    render_groups(out, o, s.earlier_failure_groups, true);
  }
}

}  // namespace jobmon::detail
