#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/snapshot/sections.hpp"

namespace jobmon::detail {
namespace {

// Columns after the name, in order; mean and throughput are the ones a
// narrow terminal drops first.
enum Column : std::size_t { done, flow, reduction, total, mean, rate, column_count };
constexpr std::array<const char*, column_count> headers = {"done", "rows in -> out", "reduction", "total", "mean",
                                                           "throughput"};
constexpr int min_name_width = 12;
constexpr int indent = 3;

struct Row {
  std::string index, name;  // name: terminal_safe already
  std::array<std::string, column_count> cells;
  std::int64_t failed = 0;
};

Row row_of(const OpAggregate& a, std::int64_t per_op) {
  Row r;
  r.index = fmt::format("{}", a.operation_idx);
  r.name = terminal_safe(a.operation_name.empty() ? "?" : a.operation_name);
  r.cells[done] = fmt::format("{}/{}", format_thousands(a.completed), format_thousands(per_op));
  r.cells[flow] = a.input_rows > 0
                      ? fmt::format("{} -> {}", format_thousands(a.input_rows), format_thousands(a.output_rows))
                      : "-";
  r.cells[reduction] = a.reduction_ratio ? fmt::format("{:.1f}%", *a.reduction_ratio * 100.0) : "-";
  r.cells[total] = a.completed > 0 ? format_duration(a.total_duration) : "-";
  r.cells[mean] = a.mean_duration ? format_duration(*a.mean_duration) : "-";
  r.cells[rate] = a.rows_per_second ? format_thousands(static_cast<std::int64_t>(*a.rows_per_second)) + " rows/s" : "-";
  r.failed = a.failed;
  return r;
}

}  // namespace

void render_operations_table(std::string& out, const Snapshot& s, const SnapshotViewOptions& o) {
  if (s.operations.empty()) return;
  snapshot_section(out, o.style, "🔧", "Operations");
  std::vector<Row> rows;
  rows.reserve(s.operations.size());
  for (const OpAggregate& a : s.operations) rows.push_back(row_of(a, s.total_partitions));

  int index_width = 1, name_width = display_width("operation");
  std::array<int, column_count> widths{};
  for (std::size_t c = 0; c < column_count; ++c) widths[c] = display_width(headers[c]);
  for (const Row& r : rows) {
    index_width = std::max(index_width, display_width(r.index));
    name_width = std::max(name_width, display_width(r.name));
    for (std::size_t c = 0; c < column_count; ++c) widths[c] = std::max(widths[c], display_width(r.cells[c]));
  }
  // Which columns fit: all of them, else without mean and throughput; the
  // name gets what is left (at least min_name_width).
  std::array<bool, column_count> shown{};
  shown.fill(true);
  const auto fixed = [&] {
    int w = indent + index_width;
    for (std::size_t c = 0; c < column_count; ++c)
      if (shown[c]) w += 2 + widths[c];
    return w + 2;  // the gap before the name
  };
  if (o.width > 0) {
    if (fixed() + std::min(name_width, 20) > o.width) shown[mean] = shown[rate] = false;
    name_width = std::clamp(o.width - fixed(), min_name_width, name_width);
  }

  const auto line = [&](const std::string& index, const std::string& name,
                        const std::array<std::string, column_count>& cells) {
    std::string l = fmt::format("{:>{}}{:>{}}  {}", "", indent, index, index_width, fit(o.style, name, name_width));
    for (std::size_t c = 0; c < column_count; ++c)
      if (shown[c]) l += fmt::format("  {}{}", std::string(static_cast<std::size_t>(widths[c] - display_width(cells[c])), ' '), cells[c]);
    return l;
  };
  std::array<std::string, column_count> header_cells;
  for (std::size_t c = 0; c < column_count; ++c) header_cells[c] = headers[c];
  out += line("#", "operation", header_cells);
  out += '\n';
  for (const Row& r : rows) {
    out += line(r.index, r.name, r.cells);
    if (r.failed > 0) out += "  " + paint(o.style, Color::red, fmt::format("{} failed", format_thousands(r.failed)));
    out += '\n';
  }
}

}  // namespace jobmon::detail
