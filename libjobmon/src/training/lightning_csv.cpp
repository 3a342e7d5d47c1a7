// Lightning's CSVLogger writes metrics.csv with Python's csv module: a
// header line, then one line per logged row, CRLF line ends, fields quoted
// ("" for a quote) only where they hold a comma, a quote or a line break.
#include "jobmon/training/lightning_csv.hpp"

#include <charconv>
#include <cmath>

#include "jobmon/error.hpp"

namespace jobmon {
namespace {

// Reads one CSV record at a time; a record is complete only once its line
// break is there (the logger may be mid-write).
class CsvRecords {
 public:
  explicit CsvRecords(std::string_view text) : text_(text) {}

  // The next complete record's fields; false at the end, or when what is
  // left is an unterminated record (then partial() is true).
  bool next(std::vector<std::string>& fields) {
    fields.clear();
    if (pos_ >= text_.size()) return false;
    std::string field;
    bool quoted = false;
    for (std::size_t i = pos_; i < text_.size(); ++i) {
      const char c = text_[i];
      if (quoted) {
        if (c != '"') field += c;
        else if (i + 1 < text_.size() && text_[i + 1] == '"') field += text_[++i];
        else quoted = false;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n') {
        if (!field.empty() && field.back() == '\r') field.pop_back();
        fields.push_back(std::move(field));
        pos_ = i + 1;
        return true;
      } else {
        field += c;
      }
    }
    partial_ = true;
    pos_ = text_.size();
    return false;
  }

  bool partial() const { return partial_; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  bool partial_ = false;
};

// A number as Python's float repr writes it ("1e-05", "nan", "inf").
std::optional<double> parse_number(std::string_view s) {
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<std::int64_t> as_step(double value) {
  if (!std::isfinite(value) || value != std::trunc(value) || std::fabs(value) >= 9223372036854775808.0) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(value);
}

}  // namespace

LightningMetrics parse_lightning_metrics(std::string_view text, std::size_t max_points) {
  LightningMetrics out;
  CsvRecords records(text);
  if (!records.next(out.header)) throw FormatError("metrics.csv: no complete header line");
  if (out.header.size() == 1 && out.header[0].empty()) throw FormatError("metrics.csv: empty header line");

  // Per column: its count and series (none for "step"). A name the header
  // repeats (never from the csv module) keeps its first column only.
  std::vector<std::uint64_t*> column_count(out.header.size(), nullptr);
  std::vector<MetricSeries*> column_series(out.header.size(), nullptr);
  std::optional<std::size_t> step_column, epoch_column;
  for (std::size_t c = 0; c < out.header.size(); ++c) {
    const std::string& name = out.header[c];
    const auto [count, first] = out.non_empty.try_emplace(name, 0);
    if (!first) continue;
    column_count[c] = &count->second;
    if (name == "step") {
      step_column = c;
      continue;
    }
    if (name == "epoch") epoch_column = c;
    column_series[c] = &out.series.try_emplace(name, metric_goal(name), max_points).first->second;
  }

  std::vector<std::string> fields;
  std::vector<std::optional<double>> values;
  std::int64_t step = 0;  // a row without a step keeps the previous one's
  while (records.next(fields)) {
    if (fields.size() == 1 && fields[0].empty()) continue;  // a blank line
    if (fields.size() > out.header.size()) {
      ++out.bad_rows;
      continue;
    }
    values.assign(fields.size(), std::nullopt);
    bool bad = false;
    for (std::size_t c = 0; c < fields.size() && !bad; ++c) {
      if (fields[c].empty()) continue;
      values[c] = parse_number(fields[c]);
      bad = !values[c];
    }
    std::optional<std::int64_t> row_step;
    if (!bad && step_column && *step_column < values.size() && values[*step_column]) {
      row_step = as_step(*values[*step_column]);
      bad = !row_step;
    }
    if (bad) {
      ++out.bad_rows;
      continue;
    }
    ++out.rows;
    if (row_step) {
      step = *row_step;
      out.max_step = out.max_step ? std::max(*out.max_step, step) : step;
    }
    for (std::size_t c = 0; c < values.size(); ++c) {
      if (!values[c] || column_count[c] == nullptr) continue;
      ++*column_count[c];
      if (column_series[c] != nullptr) column_series[c]->add(step, *values[c]);
      if (c == epoch_column && !std::isnan(*values[c])) {
        out.max_epoch = out.max_epoch ? std::max(*out.max_epoch, *values[c]) : *values[c];
      }
    }
  }
  out.trailing_partial = records.partial();
  return out;
}

}  // namespace jobmon
