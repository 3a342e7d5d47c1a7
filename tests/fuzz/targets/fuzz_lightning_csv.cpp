// Lightning CSVLogger metrics.csv: any bytes are LightningMetrics or a
// FormatError (no header), never a crash; counts stay within the rows read
// and every series within max_points.
#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "jobmon/training/lightning_csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = jobmon::fuzz::as_text(data, size);
  constexpr std::size_t max_points = 4;
  try {
    const jobmon::LightningMetrics m = jobmon::parse_lightning_metrics(text, max_points);
    if (m.header.empty()) jobmon::fuzz::fail("parsed without a header");
    if (m.rows + m.bad_rows > size) jobmon::fuzz::fail("more rows than bytes");
    for (const auto& [column, count] : m.non_empty) {
      if (count > m.rows) jobmon::fuzz::fail("a column with more values than rows", column);
    }
    for (const auto& [column, series] : m.series) {
      if (column == "step") jobmon::fuzz::fail("\"step\" became a series");
      if (series.count() > m.rows) jobmon::fuzz::fail("a series with more values than rows", column);
      if (series.points().size() > max_points) jobmon::fuzz::fail("more points than max_points", column);
    }
    if (m.max_step && (m.non_empty.count("step") == 0 || m.non_empty.at("step") == 0)) {
      jobmon::fuzz::fail("max_step disagrees with the step column");
    }
  } catch (const jobmon::FormatError&) {
  }
  return 0;
}
