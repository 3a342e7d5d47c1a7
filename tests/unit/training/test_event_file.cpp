#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "exact_json.hpp"
#include "jobmon/training/event_file.hpp"
#include "temp_tree.hpp"
#include "training/events/crc32c.hpp"
#include "training/events/protobuf_wire.hpp"

using namespace jobmon;
using namespace jobmon::detail;

namespace {

const std::string training_fixtures = std::string(JOBMON_FIXTURES_DIR) + "/training";

struct TagSeries {
  std::uint64_t count = 0;
  std::int64_t first_step = 0, last_step = 0, min_step = 0, max_step = 0;
  double last_value = 0;
  bool operator==(const TagSeries&) const = default;
};

// What a run reader keeps of a file: every tag's series, texts, other tags.
struct Collect : EventSink {
  std::map<std::string, TagSeries, std::less<>> scalars;
  std::map<std::string, std::string, std::less<>> texts, others;
  void on_scalar(const EventScalar& s) override {
    TagSeries& t = scalars[std::string(s.tag)];
    if (t.count++ == 0) t.first_step = t.min_step = t.max_step = s.step;
    t.last_step = s.step;
    t.last_value = s.value;
    t.min_step = std::min(t.min_step, s.step);
    t.max_step = std::max(t.max_step, s.step);
  }
  void on_text(std::string_view tag, std::int64_t, double, std::string_view text) override {
    texts[std::string(tag)] = std::string(text);
  }
  void on_other(std::string_view tag, std::string_view kind) override { others[std::string(tag)] = std::string(kind); }
};

void check_same(const Collect& a, const Collect& b) {
  CHECK(a.scalars == b.scalars);
  CHECK(a.texts == b.texts);
  CHECK(a.others == b.others);
}

void check_same_counts(const EventFileStats& a, const EventFileStats& b) {
  CHECK(a.offset == b.offset);
  CHECK(a.records == b.records);
  CHECK(a.crc_failures == b.crc_failures);
  CHECK(a.oversized == b.oversized);
  CHECK(a.resyncs == b.resyncs);
  CHECK(a.malformed == b.malformed);
  CHECK(a.scalars == b.scalars);
  CHECK(a.pending_bytes == b.pending_bytes);
  CHECK(a.file_version == b.file_version);
  CHECK(a.first_wall_time == b.first_wall_time);
  CHECK(a.last_wall_time == b.last_wall_time);
}

void write_file(const std::string& path, std::string_view bytes, bool append = false) {
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Events as the writers make them.
std::string event_with_summary(std::int64_t step, double wall_time, const std::string& summary) {
  std::string event;
  put_double_field(event, 1, wall_time);
  put_varint_field(event, 2, static_cast<std::uint64_t>(step));
  put_bytes_field(event, 5, summary);
  return event;
}
std::string value_field_of(const std::string& value) {
  std::string summary;
  put_bytes_field(summary, 1, value);
  return summary;
}
std::string simple_value(std::string_view tag, float v) {
  std::string value;
  put_bytes_field(value, 1, tag);
  put_float_field(value, 2, v);
  return value;
}
std::string plugin_metadata(std::string_view plugin) {
  std::string data, metadata;
  put_bytes_field(data, 1, plugin);
  put_bytes_field(metadata, 1, data);
  return metadata;
}
std::string tensor_value(std::string_view tag, std::string_view plugin, const std::string& tensor) {
  std::string value;
  put_bytes_field(value, 1, tag);
  if (!plugin.empty()) put_bytes_field(value, 9, plugin_metadata(plugin));
  put_bytes_field(value, 8, tensor);
  return value;
}
std::string scalar_record(std::int64_t step, std::string_view tag, float v) {
  return frame_tfrecord(event_with_summary(step, 1000.0 + static_cast<double>(step), value_field_of(simple_value(tag, v))));
}
std::string version_record(double wall_time) {
  std::string event;
  put_double_field(event, 1, wall_time);
  put_bytes_field(event, 3, "brain.Event:2");
  return frame_tfrecord(event);
}
// A version record, then `n` scalars "loss" at steps 1..n.
std::string small_file(int n) {
  std::string out = version_record(1000.0);
  for (int i = 1; i <= n; ++i) out += scalar_record(i, "loss", static_cast<float>(i) / 4);
  return out;
}

std::string kind_as_reader_spells(std::string_view manifest_kind) {
  // The manifest writes a missing value kind or plugin as Python's None;
  // on_other leaves that side empty ("histo/", "/hparams").
  const auto slash = manifest_kind.find('/');
  std::string kind(manifest_kind.substr(0, slash)), plugin(manifest_kind.substr(slash + 1));
  if (kind == "None") kind.clear();
  if (plugin == "None") plugin.clear();
  return kind + "/" + plugin;
}

// The offset of the first record starting at or after `at` in a clean file.
std::size_t record_boundary_after(std::string_view bytes, std::size_t at) {
  std::size_t pos = 0;
  while (pos < at) pos += 16 + static_cast<std::size_t>(load_le64(bytes.data() + pos));
  return pos;
}

long peak_rss_kb() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("EventFileReader: every fixture event file as MANIFEST.json says", "[training]") {
  const auto manifest = test::parse_exact_json(test::read_text(training_fixtures + "/MANIFEST.json"));
  LocalStorage storage;
  int files = 0;
  for (const auto& artifact : manifest.at("artifacts").as_array()) {
    const auto& expected = artifact.at("expected").as_object();
    if (!expected.contains("event_files")) continue;
    const std::string dir = training_fixtures + "/" + std::string(artifact.at("dir").as_string());
    for (const auto& [relative, want_value] : expected.at("event_files").as_object()) {
      const auto& want = want_value.as_object();
      const std::string path = dir + "/" + std::string(relative);
      INFO(path);
      ++files;
      Collect got;
      EventFileReader reader(path);
      const std::uint64_t read = reader.read(storage, got);
      const EventFileStats& stats = reader.stats();
      CHECK(stats.error.empty());
      CHECK(read == static_cast<std::uint64_t>(want.at("bytes").as_int64()));
      CHECK(stats.records == static_cast<std::uint64_t>(want.at("records").as_int64()));
      CHECK(stats.crc_failures == static_cast<std::uint64_t>(want.at("crc_failures").as_int64()));
      CHECK(want.at("framing_error").is_null());
      CHECK(stats.pending_bytes == 0);
      CHECK(stats.offset == read);
      CHECK(stats.oversized == 0);
      CHECK(stats.resyncs == 0);
      CHECK(stats.malformed == 0);
      CHECK(stats.file_version == std::string(want.at("file_version").as_string()));
      REQUIRE(stats.first_wall_time);
      REQUIRE(stats.last_wall_time);
      CHECK(*stats.first_wall_time == test::exact_number(want.at("first_wall_time")));
      CHECK(*stats.last_wall_time == test::exact_number(want.at("last_wall_time")));

      const auto& scalars = want.at("scalars").as_object();
      CHECK(got.scalars.size() == scalars.size());
      std::uint64_t scalar_total = 0;
      for (const auto& [tag, series_value] : scalars) {
        INFO(std::string(tag));
        const auto& series = series_value.as_object();
        const auto it = got.scalars.find(std::string_view(tag));
        REQUIRE(it != got.scalars.end());
        CHECK(it->second.count == static_cast<std::uint64_t>(series.at("count").as_int64()));
        CHECK(it->second.first_step == series.at("first_step").as_int64());
        CHECK(it->second.last_step == series.at("last_step").as_int64());
        CHECK(it->second.min_step == series.at("min_step").as_int64());
        CHECK(it->second.max_step == series.at("max_step").as_int64());
        CHECK(it->second.last_value == test::exact_number(series.at("last_value")));
        scalar_total += it->second.count;
      }
      CHECK(stats.scalars == scalar_total);

      std::set<std::string> want_texts, got_texts;
      for (const auto& tag : want.at("text_tags").as_array()) want_texts.insert(std::string(tag.as_string()));
      for (const auto& [tag, text] : got.texts) got_texts.insert(tag);
      CHECK(got_texts == want_texts);
      std::map<std::string, std::string, std::less<>> want_others;
      for (const auto& [tag, kind] : want.at("other_tags").as_object())
        want_others[std::string(tag)] = kind_as_reader_spells(kind.as_string());
      CHECK(got.others == want_others);

      // The same bytes in memory, and read in small chunks (records across
      // chunk boundaries), agree with the one-shot read.
      const std::string bytes = test::read_text(path);
      Collect in_memory;
      check_same_counts(read_event_records(bytes, in_memory), stats);
      check_same(in_memory, got);
      Collect chunked;
      EventFileReader small_chunks(path);
      small_chunks.read(storage, chunked, 1000);
      check_same_counts(small_chunks.stats(), stats);
      check_same(chunked, got);
    }
  }
  CHECK(files == 11);
}

TEST_CASE("EventFileReader: the Trainer's text summaries carry its arguments", "[training]") {
  const std::string path = training_fixtures +
      "/hf/hf-t5-summarization-finished/runs/Mar24_22-23-40_DESKTOP-41L2EO3/"
      "events.out.tfevents.1742826235.DESKTOP-41L2EO3.107869.0";
  LocalStorage storage;
  Collect got;
  EventFileReader reader(path);
  reader.read(storage, got);
  REQUIRE(got.texts.count("args/text_summary") == 1);
  const auto args = boost::json::parse(got.texts["args/text_summary"]).as_object();
  CHECK(args.contains("num_train_epochs"));
  CHECK(args.contains("max_steps"));
  const auto config = boost::json::parse(got.texts["model_config/text_summary"]).as_object();
  CHECK(config.at("transformers_version").as_string() == "4.51.0.dev0");
}

TEST_CASE("EventFileReader: value kinds, tensors, texts and several values per event", "[training]") {
  std::string float_content(4, '\0'), double_content(8, '\0');
  const float f = 0.3f;
  const double d = 0.1;
  std::memcpy(float_content.data(), &f, 4);
  std::memcpy(double_content.data(), &d, 8);

  std::string t_content, t_packed, t_unpacked, t_double, t_two, t_text, t_half;
  put_varint_field(t_content, 1, 1);
  put_bytes_field(t_content, 4, float_content);
  put_varint_field(t_packed, 1, 1);
  put_bytes_field(t_packed, 5, float_content);
  put_varint_field(t_unpacked, 1, 1);
  put_float_field(t_unpacked, 5, 2.5f);
  put_varint_field(t_double, 1, 2);
  put_double_field(t_double, 6, d);
  put_varint_field(t_two, 1, 1);
  put_float_field(t_two, 5, 1.0f);
  put_float_field(t_two, 5, 2.0f);
  put_varint_field(t_text, 1, 7);
  put_bytes_field(t_text, 8, "{\"max_steps\": 10}");
  put_bytes_field(t_text, 8, "second");
  put_varint_field(t_half, 1, 19);
  put_bytes_field(t_half, 4, std::string(2, '\0'));

  std::string summary;
  for (const std::string& value :
       {simple_value("train/loss", 1.25f), tensor_value("content", "scalars", t_content),
        tensor_value("packed", "scalars", t_packed), tensor_value("unpacked", "", t_unpacked),
        tensor_value("double", "scalars", t_double), tensor_value("two", "scalars", t_two),
        tensor_value("args/text_summary", "text", t_text), tensor_value("half", "scalars", t_half),
        tensor_value("keras", "graph_keras_model", t_text)})
    summary += value_field_of(value);
  std::string histo_value, hparams_value;
  put_bytes_field(histo_value, 1, "dense/kernel_0");
  put_bytes_field(histo_value, 5, std::string("\x09\0\0\0\0\0\0\0\0", 9));
  summary += value_field_of(histo_value);
  put_bytes_field(hparams_value, 1, "_hparams_/experiment");
  put_bytes_field(hparams_value, 9, plugin_metadata("hparams"));
  summary += value_field_of(hparams_value);

  // The summary before step and wall_time: the values still get both.
  std::string event;
  put_bytes_field(event, 5, summary);
  put_varint_field(event, 2, 42);
  put_double_field(event, 1, 1234.5);

  struct Seen : Collect {
    std::vector<EventScalar> all;
    void on_scalar(const EventScalar& s) override {
      Collect::on_scalar(s);
      all.push_back(s);
    }
  } got;
  const EventFileStats stats = read_event_records(frame_tfrecord(event), got);
  CHECK(stats.records == 1);
  CHECK(stats.malformed == 0);
  CHECK(stats.scalars == 5);
  REQUIRE(got.all.size() == 5);
  for (const auto& s : got.all) {
    CHECK(s.step == 42);
    CHECK(s.wall_time == 1234.5);
  }
  CHECK(got.scalars["train/loss"].last_value == 1.25);
  CHECK(got.scalars["content"].last_value == static_cast<double>(0.3f));
  CHECK(got.scalars["packed"].last_value == static_cast<double>(0.3f));
  CHECK(got.scalars["unpacked"].last_value == 2.5);
  CHECK(got.scalars["double"].last_value == 0.1);
  CHECK(got.texts["args/text_summary"] == "{\"max_steps\": 10}");
  const std::map<std::string, std::string, std::less<>> others{
      {"two", "tensor/scalars"},    {"half", "tensor/scalars"},
      {"keras", "tensor/graph_keras_model"}, {"dense/kernel_0", "histo/"},
      {"_hparams_/experiment", "/hparams"}};
  CHECK(got.others == others);
}

TEST_CASE("EventFileReader: a summary field given twice merges (both values count)", "[training]") {
  std::string event;
  put_double_field(event, 1, 7.0);
  put_bytes_field(event, 5, value_field_of(simple_value("a", 1.0f)));
  put_varint_field(event, 2, 3);
  put_bytes_field(event, 5, value_field_of(simple_value("b", 2.0f)));
  Collect got;
  const EventFileStats stats = read_event_records(frame_tfrecord(event), got);
  CHECK(stats.scalars == 2);
  CHECK(got.scalars["a"].last_step == 3);
  CHECK(got.scalars["b"].last_value == 2.0);
}

TEST_CASE("EventFileReader: a record whose CRCs match but whose Event is malformed", "[training]") {
  std::string bad_varint(11, '\xff');
  std::string truncated_summary;
  put_varint(truncated_summary, (5u << 3) | 2u);
  put_varint(truncated_summary, 100);  // says 100 bytes follow; none do
  const std::string bytes = frame_tfrecord(std::string("\x10") + bad_varint) + frame_tfrecord(truncated_summary) +
                            scalar_record(3, "loss", 1.0f);
  Collect got;
  const EventFileStats stats = read_event_records(bytes, got);
  CHECK(stats.records == 3);
  CHECK(stats.malformed == 2);
  CHECK(stats.crc_failures == 0);
  CHECK(stats.scalars == 1);
}

TEST_CASE("EventFileReader: a torn last record waits and completes when the rest is appended", "[training]") {
  test::TempTree tree;
  const std::string path = tree.path("events.out.tfevents.1.host");
  const std::string bytes = small_file(10);
  const std::size_t cut = bytes.size() - scalar_record(10, "loss", 2.5f).size() / 2;
  write_file(path, bytes.substr(0, cut));
  LocalStorage storage;
  EventFileReader reader(path);
  Collect got;
  CHECK(reader.read(storage, got) == cut);
  CHECK(reader.stats().records == 10);
  CHECK(reader.stats().pending_bytes > 0);
  CHECK(reader.stats().offset + reader.stats().pending_bytes == cut);
  CHECK(reader.stats().crc_failures == 0);
  CHECK(got.scalars["loss"].count == 9);
  write_file(path, bytes.substr(cut), true);
  CHECK(reader.read(storage, got) == bytes.size() - cut);
  CHECK(reader.stats().records == 11);
  CHECK(reader.stats().pending_bytes == 0);
  CHECK(reader.stats().offset == bytes.size());
  CHECK(got.scalars["loss"].count == 10);
  CHECK(got.scalars["loss"].last_value == 2.5);
  CHECK(reader.read(storage, got) == 0);
  CHECK_FALSE(reader.replaced(storage));
}

TEST_CASE("EventFileReader: a big torn record is not held while it waits; read whole once complete", "[training]") {
  test::TempTree tree;
  const std::string path = tree.path("events.out.tfevents.1.host");
  const std::string head = small_file(10);
  const std::string big = scalar_record(11, std::string(4u << 20, 'x'), 7.0f);  // a 4 MiB record
  const std::string tail = scalar_record(12, "loss", 3.0f);
  const std::size_t cut = 2u << 20;
  write_file(path, head + big.substr(0, cut));
  LocalStorage storage;
  EventFileReader reader(path);
  Collect got;
  CHECK(reader.read(storage, got) == head.size() + cut);
  CHECK(reader.stats().records == 11);
  CHECK(reader.stats().offset == head.size());
  CHECK(reader.stats().pending_bytes == cut);
  // More of it, still torn: nothing is read (its bytes are not held, only where it starts).
  write_file(path, big.substr(cut, 1u << 20), true);
  CHECK(reader.read(storage, got) == 0);
  CHECK(reader.stats().pending_bytes == cut + (1u << 20));
  // Whole: read from its start, with what follows.
  write_file(path, big.substr(cut + (1u << 20)) + tail, true);
  CHECK(reader.read(storage, got) == big.size() + tail.size());
  CHECK(reader.stats().records == 13);
  CHECK(reader.stats().pending_bytes == 0);
  CHECK(reader.stats().offset == head.size() + big.size() + tail.size());
  CHECK(got.scalars[std::string(4u << 20, 'x')].last_value == 7.0);
  CHECK(got.scalars["loss"].last_value == 3.0);
}

TEST_CASE("EventFileReader: a bad data CRC skips that record only", "[training]") {
  std::string bytes = small_file(5);
  const std::size_t third = version_record(1000).size() + 2 * scalar_record(1, "loss", 0).size();
  bytes[third + 14] ^= 0x40;  // inside record 3's Event
  Collect got;
  const EventFileStats stats = read_event_records(bytes, got);
  CHECK(stats.records == 5);
  CHECK(stats.crc_failures == 1);
  CHECK(stats.resyncs == 0);
  CHECK(stats.pending_bytes == 0);
  CHECK(got.scalars["loss"].count == 4);
  CHECK(got.scalars["loss"].last_step == 5);
}

TEST_CASE("EventFileReader: a bad length CRC loses the framing, found again at the next record", "[training]") {
  std::string bytes = small_file(5);
  const std::size_t third = version_record(1000).size() + 2 * scalar_record(1, "loss", 0).size();
  bytes[third + 1] ^= 0x01;  // record 3's length: its CRC no longer matches
  Collect got;
  const EventFileStats stats = read_event_records(bytes, got);
  CHECK(stats.records == 5);
  CHECK(stats.crc_failures == 1);
  CHECK(stats.resyncs == 1);
  CHECK(stats.offset == bytes.size());
  CHECK(got.scalars["loss"].count == 4);
  CHECK(got.scalars["loss"].last_step == 5);

  // The same through the reader, one byte per read across the damage.
  test::TempTree tree;
  const std::string path = tree.path("events.out.tfevents.1.host");
  write_file(path, "");
  LocalStorage storage;
  EventFileReader reader(path);
  Collect step_by_step;
  for (char c : bytes) {
    write_file(path, std::string_view(&c, 1), true);
    reader.read(storage, step_by_step, 3);
  }
  check_same_counts(reader.stats(), stats);
  check_same(step_by_step, got);
}

TEST_CASE("EventFileReader: a huge length field is skipped without allocating", "[training]") {
  std::string header(8, '\0');
  const std::uint64_t huge = 1ull << 62;
  std::memcpy(header.data(), &huge, 8);  // little-endian on the machines we build for
  const std::uint32_t crc = masked_crc32c(header);
  header.append(reinterpret_cast<const char*>(&crc), 4);
  const std::string bytes = small_file(2) + header + small_file(3);

  const long before = peak_rss_kb();
  Collect got;
  const EventFileStats stats = read_event_records(bytes, got);
  CHECK(stats.records == 3);
  CHECK(stats.oversized == 1);
  CHECK(stats.crc_failures == 0);
  CHECK(stats.offset == bytes.size());  // the rest is inside the skipped span

  test::TempTree tree;
  const std::string path = tree.path("events.out.tfevents.1.host");
  write_file(path, bytes);
  LocalStorage storage;
  EventFileReader reader(path);
  Collect through_file;
  reader.read(storage, through_file, 64);
  check_same_counts(reader.stats(), stats);
  write_file(path, small_file(100), true);  // still inside the span: waits
  CHECK(reader.read(storage, through_file) == 0);
  CHECK(reader.stats().records == 3);
  CHECK(reader.stats().offset == bytes.size() + small_file(100).size());
  CHECK(reader.stats().error.empty());
  CHECK(peak_rss_kb() - before < 16 * 1024);

  // No limit at all: the length is trusted, the record waits for its bytes.
  std::string endless(8, '\xff');
  const std::uint32_t endless_crc = masked_crc32c(endless);
  endless.append(reinterpret_cast<const char*>(&endless_crc), 4);
  const EventFileStats unlimited =
      read_event_records(small_file(1) + endless + "abc", got, std::numeric_limits<std::uint64_t>::max());
  CHECK(unlimited.records == 2);
  CHECK(unlimited.oversized == 0);
  CHECK(unlimited.pending_bytes == 15);
}

TEST_CASE("EventFileReader: a record over max_record_bytes is skipped and the next one read", "[training]") {
  std::string big_event = event_with_summary(7, 1.0, value_field_of(simple_value("big", 1.0f)));
  put_bytes_field(big_event, 6, std::string(100000, 'x'));  // a log_message as padding
  const std::string big = frame_tfrecord(big_event);
  const std::string bytes = small_file(2) + big + scalar_record(3, "loss", 3.0f);

  Collect got;
  const EventFileStats stats = read_event_records(bytes, got, 4096);
  CHECK(stats.records == 4);
  CHECK(stats.oversized == 1);
  CHECK(got.scalars.count("big") == 0);
  CHECK(got.scalars["loss"].count == 3);

  // Through the reader, the big record arriving in pieces: it waits, skipped
  // unread, and the record after it is read once it is there.
  test::TempTree tree;
  const std::string path = tree.path("events.out.tfevents.1.host");
  LocalStorage storage;
  EventFileReader reader(path, 4096);
  Collect pieces;
  const std::size_t head = small_file(2).size();
  write_file(path, bytes.substr(0, head + 5000));
  reader.read(storage, pieces, 1024);
  CHECK(reader.stats().oversized == 1);
  CHECK(reader.stats().records == 3);
  write_file(path, bytes.substr(head + 5000, 50000), true);
  reader.read(storage, pieces, 1024);
  CHECK(reader.stats().records == 3);
  write_file(path, bytes.substr(head + 55000), true);
  reader.read(storage, pieces, 1024);
  check_same_counts(reader.stats(), stats);
  check_same(pieces, got);
}

TEST_CASE("EventFileReader: truncated, empty and garbage files", "[training]") {
  const std::string fixture = training_fixtures +
      "/lightning/pl-lstm-tensorboard/lightning_logs/version_0/events.out.tfevents.1716735746.99c8c45923de.3769.0";
  const std::string whole = test::read_text(fixture);
  test::TempTree tree;
  LocalStorage storage;

  SECTION("truncated mid-record") {
    std::size_t cut = whole.size() / 2;
    Collect probe;
    while (read_event_records(std::string_view(whole).substr(0, cut), probe).pending_bytes == 0) ++cut;
    const std::string path = tree.path("truncated");
    write_file(path, whole.substr(0, cut));
    EventFileReader reader(path);
    Collect got;
    reader.read(storage, got);
    CHECK(reader.stats().error.empty());
    CHECK(reader.stats().records > 7000);
    CHECK(reader.stats().records < 15445);
    CHECK(reader.stats().crc_failures == 0);
    CHECK(reader.stats().pending_bytes > 0);
    CHECK(reader.stats().offset + reader.stats().pending_bytes == cut);
  }
  SECTION("empty") {
    const std::string path = tree.path("empty");
    write_file(path, "");
    EventFileReader reader(path);
    Collect got;
    CHECK(reader.read(storage, got) == 0);
    CHECK(reader.stats().error.empty());
    CHECK(reader.stats().records == 0);
    CHECK(reader.stats().pending_bytes == 0);
    CHECK_FALSE(reader.stats().first_wall_time);
    CHECK_FALSE(reader.replaced(storage));
  }
  SECTION("garbage") {
    std::mt19937_64 random(18);
    std::string garbage(1 << 20, '\0');
    for (char& c : garbage) c = static_cast<char>(random());
    const std::string path = tree.path("garbage");
    write_file(path, garbage);
    EventFileReader reader(path);
    Collect got;
    CHECK(reader.read(storage, got) == garbage.size());
    CHECK(reader.stats().error.empty());
    CHECK(reader.stats().records == 0);
    CHECK(reader.stats().crc_failures >= 1);
    CHECK(reader.stats().offset + reader.stats().pending_bytes == garbage.size());
    CHECK(reader.stats().pending_bytes < 12);
    CHECK(got.scalars.empty());
  }
}

TEST_CASE("EventFileReader: missing files, FIFOs and directories are never read", "[training]") {
  test::TempTree tree;
  LocalStorage storage;
  Collect got;
  SECTION("missing") {
    EventFileReader reader(tree.path("nothing"));
    CHECK(reader.read(storage, got) == 0);
    CHECK_FALSE(reader.stats().error.empty());
    CHECK_FALSE(reader.replaced(storage));
  }
  SECTION("FIFO (would block if opened)") {
    const std::string path = tree.path("events.out.tfevents.fifo");
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    EventFileReader reader(path);
    CHECK(reader.read(storage, got) == 0);
    CHECK(reader.stats().error == "not a regular file");
  }
  SECTION("directory") {
    tree.mkdir("events.out.tfevents.dir");
    EventFileReader reader(tree.path("events.out.tfevents.dir"));
    CHECK(reader.read(storage, got) == 0);
    CHECK(reader.stats().error == "a directory, not an event file");
  }
  CHECK(got.scalars.empty());
}

TEST_CASE("EventFileReader: replaced() notices a shrunk, rewritten or removed file", "[training]") {
  test::TempTree tree;
  const std::string path = tree.path("events.out.tfevents.1.host");
  LocalStorage storage;
  write_file(path, small_file(4));
  EventFileReader reader(path);
  Collect got;
  reader.read(storage, got);
  CHECK_FALSE(reader.replaced(storage));
  write_file(path, scalar_record(5, "loss", 1), true);
  CHECK_FALSE(reader.replaced(storage));
  SECTION("shrunk") {
    write_file(path, small_file(1));
    CHECK(reader.replaced(storage));
    CHECK(reader.read(storage, got) == 0);
    CHECK_FALSE(reader.stats().error.empty());
  }
  SECTION("same length, other first bytes (a new writer's first record)") {
    std::string other = version_record(2000.0);
    for (int i = 1; i <= 5; ++i) other += scalar_record(i, "loss", static_cast<float>(i) / 4);
    write_file(path, other);
    CHECK(reader.replaced(storage));
  }
  SECTION("removed") {
    std::filesystem::remove(path);
    CHECK(reader.replaced(storage));
  }
}

TEST_CASE("EventFileReader: appends in random pieces read incrementally equal the one-shot read", "[training]") {
  const std::string fixture = training_fixtures +
      "/lightning/pl-lstm-tensorboard/lightning_logs/version_0/events.out.tfevents.1716735746.99c8c45923de.3769.0";
  std::string bytes = test::read_text(fixture);
  bool damaged_input = false;
  SECTION("the file as written") {}
  SECTION("with damage: garbage, a bad CRC and an oversized record mixed in") {
    // Garbage cuts a record (lost framing, found again); the rest goes in
    // between whole records.
    const std::size_t boundary = record_boundary_after(bytes, 300000);
    std::string damaged = bytes.substr(0, 200000) + "garbage in the middle of the stream";
    damaged += bytes.substr(200000, boundary - 200000);
    std::string big_event = event_with_summary(1, 1.0, "");
    put_bytes_field(big_event, 6, std::string(70000, 'x'));
    damaged += frame_tfrecord(big_event);
    std::string flipped = scalar_record(1, "flipped", 1.0f);
    flipped[20] ^= 1;
    damaged += flipped + bytes.substr(boundary);
    bytes = damaged;
    damaged_input = true;
  }
  const std::uint64_t max_record = 65536;
  Collect one_shot;
  const EventFileStats expected = read_event_records(bytes, one_shot, max_record);
  CHECK(expected.pending_bytes == 0);
  if (damaged_input) {
    CHECK(expected.oversized == 1);
    CHECK(expected.resyncs >= 1);
    CHECK(expected.crc_failures >= 2);
  } else {
    CHECK(expected.records == 15445);
  }

  test::TempTree tree;
  const std::string path = tree.path("events.out.tfevents.copy");
  write_file(path, "");
  LocalStorage storage;
  EventFileReader reader(path, max_record);
  Collect incremental;
  std::mt19937_64 random(1816);
  std::size_t written = 0;
  std::uint64_t total_read = 0;
  while (written < bytes.size()) {
    // A stretch of one byte at a time, otherwise pieces of 1 byte to 20 KB.
    const bool byte_by_byte = written >= 100000 && written < 103000;
    const std::size_t piece = std::min<std::size_t>(bytes.size() - written, byte_by_byte ? 1 : 1 + random() % 20000);
    write_file(path, std::string_view(bytes).substr(written, piece), true);
    written += piece;
    const std::size_t chunk = std::size_t{1} << (random() % 21);  // 1 B .. 1 MiB
    total_read += reader.read(storage, incremental, chunk);
    REQUIRE(reader.stats().error.empty());
    CHECK(reader.stats().offset + reader.stats().pending_bytes <= written);
  }
  CHECK(total_read <= bytes.size());
  check_same_counts(reader.stats(), expected);
  check_same(incremental, one_shot);
  CHECK(reader.read(storage, incremental) == 0);
  CHECK_FALSE(reader.replaced(storage));
}

TEST_CASE("EventFileReader: frame_tfrecord round-trips and CRC32C is the standard one", "[training]") {
  CHECK(crc32c("123456789") == 0xe3069283u);  // the CRC-32C check value
  CHECK(crc32c("") == 0u);
  CHECK(masked_crc32c("123456789") == mask_crc32c(0xe3069283u));
  std::mt19937_64 random(7);
  std::string data;
  for (int n = 0; n < 300; ++n) {
    CHECK(crc32c(data) == crc32c_table(data));
    data.push_back(static_cast<char>(random()));
  }
  // The fixture's first record, framed again, is byte for byte the writer's.
  const std::string fixture = test::read_text(training_fixtures +
      "/tensorboard/tb-keras-tf21-fit/logs/standard/20200326-221129/train/events.out.tfevents.1585231889.LEMON.profile-empty");
  REQUIRE(fixture.size() == 40);
  CHECK(frame_tfrecord(std::string_view(fixture).substr(12, 24)) == fixture);

  const std::string event = event_with_summary(9, 5.0, value_field_of(simple_value("x", 4.0f)));
  const std::string framed = frame_tfrecord(event);
  CHECK(framed.size() == event.size() + 16);
  Collect got;
  const EventFileStats stats = read_event_records(framed, got);
  CHECK(stats.records == 1);
  CHECK(got.scalars["x"].last_value == 4.0);
  CHECK(got.scalars["x"].last_step == 9);
  CHECK(frame_tfrecord("").size() == 16);
  CHECK(read_event_records(frame_tfrecord(""), got).records == 1);
}
