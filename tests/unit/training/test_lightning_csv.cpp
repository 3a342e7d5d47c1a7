#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cmath>
#include <string>

#include "jobmon/error.hpp"
#include "jobmon/training/lightning_csv.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
namespace json = boost::json;

namespace {

const std::string fixtures = std::string(JOBMON_FIXTURES_DIR) + "/training/";

// Every metrics.csv of the manifest: its path and expected values.
std::vector<std::pair<std::string, json::object>> manifest_csvs() {
  const json::value manifest = json::parse(test::read_text(fixtures + "MANIFEST.json"));
  std::vector<std::pair<std::string, json::object>> out;
  for (const json::value& artifact : manifest.at("artifacts").as_array()) {
    const json::value* csv = artifact.at("expected").as_object().if_contains("csv");
    if (csv == nullptr) continue;
    const std::string dir = json::value_to<std::string>(artifact.at("dir"));
    for (const auto& kv : csv->as_object()) {
      out.emplace_back(fixtures + dir + "/" + std::string(kv.key()), kv.value().as_object());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("LightningMetrics: every metrics.csv of the manifest", "[training]") {
  const auto csvs = manifest_csvs();
  REQUIRE(csvs.size() == 2);
  for (const auto& [path, expected] : csvs) {
    INFO(path);
    const LightningMetrics m = parse_lightning_metrics(test::read_text(path));
    CHECK(m.header == json::value_to<std::vector<std::string>>(expected.at("header")));
    CHECK(m.rows == expected.at("n_rows").to_number<std::uint64_t>());
    CHECK(m.bad_rows == 0);
    CHECK_FALSE(m.trailing_partial);
    for (const auto& column : expected.at("columns").as_object()) {
      const std::string name(column.key());
      INFO(name);
      const json::object& c = column.value().as_object();
      CHECK(m.non_empty.at(name) == c.at("non_empty").to_number<std::uint64_t>());
      const double last = c.at("last_value").to_number<double>();
      if (name == "step") {
        CHECK(m.series.count("step") == 0);
      } else {
        REQUIRE(m.series.count(name) == 1);
        CHECK(m.series.at(name).count() == m.non_empty.at(name));
        CHECK(m.series.at(name).last().value == Approx(last).epsilon(1e-15).margin(0));
      }
    }
    CHECK(m.max_step == expected.at("max_step").to_number<std::int64_t>());
    CHECK(m.max_epoch == expected.at("max_epoch").to_number<double>());
  }
}

TEST_CASE("LightningMetrics: sparse rows, quoted fields, Python float spellings", "[training]") {
  const std::string text =
      "epoch,step,\"val,loss\",\"say \"\"hi\"\"\",train/lr\r\n"
      "0,0,,,1e-05\r\n"
      "0,1,nan,,inf\r\n"
      "1,2,\"0.5\",,-inf\r\n"
      "\r\n"
      "1,3,0.25,,\r\n";
  const LightningMetrics m = parse_lightning_metrics(text);
  REQUIRE(m.header.size() == 5);
  CHECK(m.header[2] == "val,loss");
  CHECK(m.header[3] == "say \"hi\"");
  CHECK(m.rows == 4);
  CHECK(m.bad_rows == 0);
  CHECK(m.non_empty.at("step") == 4);
  CHECK(m.non_empty.at("say \"hi\"") == 0);
  CHECK(m.non_empty.at("val,loss") == 3);
  const MetricSeries& val = m.series.at("val,loss");
  CHECK(val.count() == 3);
  CHECK(val.non_finite() == 1);
  CHECK(val.last().value == 0.25);
  CHECK(val.last().step == 3);
  CHECK(val.best()->step == 3);
  const MetricSeries& lr = m.series.at("train/lr");
  CHECK(lr.first().value == 1e-05);
  CHECK(std::isinf(lr.last().value));
  CHECK(lr.last().step == 2);
  CHECK(m.max_step == 3);
  CHECK(m.max_epoch == 1.0);
  CHECK(m.series.at("epoch").count() == 4);
}

TEST_CASE("LightningMetrics: a row being written is not counted", "[training]") {
  const std::string whole = "step,train_loss,epoch\n0,2.0,0\n1,1.5,0\n";
  const LightningMetrics done = parse_lightning_metrics(whole);
  CHECK(done.rows == 2);
  CHECK_FALSE(done.trailing_partial);
  const LightningMetrics cut = parse_lightning_metrics(whole + "2,1.2");
  CHECK(cut.rows == 2);
  CHECK(cut.trailing_partial);
  CHECK(cut.series.at("train_loss").last().value == 1.5);
  CHECK(cut.max_step == 1);
  // Cut inside a quoted field that holds a line break.
  const LightningMetrics quoted = parse_lightning_metrics(whole + "\"2\n");
  CHECK(quoted.rows == 2);
  CHECK(quoted.trailing_partial);
  // The real file cut mid-line.
  const std::string real = test::read_text(fixtures + "lightning/pl-csv-small-every-step/lightning_logs/version_0/metrics.csv");
  const std::size_t cut_at = real.rfind('\n', real.size() - 2) + 3;
  const LightningMetrics real_cut = parse_lightning_metrics(std::string_view(real).substr(0, cut_at));
  CHECK(real_cut.trailing_partial);
  CHECK(real_cut.rows + 1 == parse_lightning_metrics(real).rows);
}

TEST_CASE("LightningMetrics: bad rows are counted, no header is a FormatError", "[training]") {
  const LightningMetrics m = parse_lightning_metrics(
      "step,loss\n"
      "0,1.0\n"
      "1,1.0,7\n"     // more fields than the header
      "2,abc\n"       // not a number
      "2.5,1.0\n"     // a fractional step
      "3,+1\n"        // Python never writes '+'
      "4\n"           // fewer fields: the rest empty
      ",0.5\n");      // no step: the previous row's
  CHECK(m.rows == 3);
  CHECK(m.bad_rows == 4);
  CHECK(m.non_empty.at("step") == 2);
  CHECK(m.series.at("loss").count() == 2);
  CHECK(m.series.at("loss").last().step == 4);
  CHECK(m.max_step == 4);
  CHECK_FALSE(m.max_epoch);

  // A name the header repeats counts its first column only.
  const LightningMetrics twice = parse_lightning_metrics("step,loss,loss,step\n1,2.0,3.0,9\n");
  CHECK(twice.rows == 1);
  CHECK(twice.non_empty.at("loss") == 1);
  CHECK(twice.series.at("loss").last().value == 2.0);
  CHECK(twice.max_step == 1);

  CHECK_THROWS_AS(parse_lightning_metrics(""), FormatError);
  CHECK_THROWS_AS(parse_lightning_metrics("step,loss"), FormatError);  // header mid-write
  CHECK_THROWS_AS(parse_lightning_metrics("\r\n0,1\r\n"), FormatError);
  const LightningMetrics header_only = parse_lightning_metrics("epoch,step,loss\r\n");
  CHECK(header_only.rows == 0);
  CHECK(header_only.non_empty.at("loss") == 0);
  CHECK_FALSE(header_only.max_step);
}

TEST_CASE("LightningMetrics: many rows keep bounded points", "[training]") {
  std::string text = "epoch,step,train_loss\n";
  for (int i = 0; i < 100000; ++i) text += std::to_string(i / 1000) + "," + std::to_string(i) + ",1.5\n";
  const LightningMetrics m = parse_lightning_metrics(text, 64);
  CHECK(m.rows == 100000);
  CHECK(m.series.at("train_loss").points().size() <= 64);
  CHECK(m.max_step == 99999);
  CHECK(m.max_epoch == 99.0);
}
