// PyTorch Lightning's CSVLogger: lightning_logs/version_N/metrics.csv. The
// columns differ by version (first-seen order, or sorted in Lightning 2.x),
// rows are sparse (step rows and epoch rows leave the other columns empty),
// lines end in CRLF. The logger rewrites the whole file at each flush, so it
// is parsed whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/training/metric_series.hpp"

namespace jobmon {

struct LightningMetrics {
  std::vector<std::string> header;
  std::uint64_t rows = 0;
  // Every column but "step", one series per column over the rows where it
  // is not empty, x = the row's step ("epoch" is a series too).
  std::map<std::string, MetricSeries, std::less<>> series;
  std::map<std::string, std::uint64_t, std::less<>> non_empty;  // per column, "step" included
  std::optional<std::int64_t> max_step;
  std::optional<double> max_epoch;
  std::uint64_t bad_rows = 0;      // rows with more fields than the header, or a bad number
  bool trailing_partial = false;   // the last line had no newline yet (mid-write): not counted
};

// Throws FormatError when there is no header line.
LightningMetrics parse_lightning_metrics(std::string_view text, std::size_t max_points = 1024);

}  // namespace jobmon
