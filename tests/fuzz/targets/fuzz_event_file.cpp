// TensorBoard event files: TFRecord framing (CRCs, resync, oversized
// records) and the Event decoder, over arbitrary bytes.
// 1. read_event_records over the input, and EventFileReader following the
//    same bytes appended in pieces through a MemoryStorage, read in random
//    chunk sizes: the same counts and the same values, in the same order.
// 2. The input re-framed with good CRCs (lengths as the input says, cut to
//    what is there), so mutated Events reach the decoder past the CRCs:
//    every record counts, none fails its CRC.
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "jobmon/training/event_file.hpp"
#include "memory_storage.hpp"
#include "training/events/protobuf_wire.hpp"

namespace {

constexpr std::uint64_t max_record = 4096;  // low, so oversized records are reachable

// Every sink call as one line, so two reads compare as strings.
struct Transcript : jobmon::EventSink {
  std::string log;
  void on_scalar(const jobmon::EventScalar& s) override {
    append("s", s.tag);
    bits(s.step);
    bits(s.wall_time);
    bits(s.value);
  }
  void on_text(std::string_view tag, std::int64_t step, double wall_time, std::string_view text) override {
    append("t", tag);
    bits(step);
    bits(wall_time);
    append("", text);
  }
  void on_other(std::string_view tag, std::string_view kind) override {
    append("o", tag);
    append("", kind);
  }

 private:
  void append(std::string_view what, std::string_view bytes) {
    log.append(what);
    log.append(std::to_string(bytes.size())).push_back(':');
    log.append(bytes);
  }
  template <typename T>
  void bits(T v) {  // bit patterns: NaN equals itself
    char raw[sizeof v];
    std::memcpy(raw, &v, sizeof v);
    log.append(raw, sizeof v);
  }
};

std::string counts(const jobmon::EventFileStats& s) {
  auto time = [](const std::optional<double>& t) {
    if (!t) return std::string("none");
    std::uint64_t b;
    std::memcpy(&b, &*t, sizeof b);
    return std::to_string(b);
  };
  return std::to_string(s.offset) + " " + std::to_string(s.records) + " " + std::to_string(s.crc_failures) + " " +
         std::to_string(s.oversized) + " " + std::to_string(s.resyncs) + " " + std::to_string(s.malformed) + " " +
         std::to_string(s.scalars) + " " + std::to_string(s.pending_bytes) + " " + time(s.first_wall_time) + " " +
         time(s.last_wall_time) + " [" + s.file_version + "]";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = jobmon::fuzz::as_text(data, size);

  Transcript one_shot;
  const jobmon::EventFileStats whole = jobmon::read_event_records(input, one_shot, max_record);
  if (whole.offset + whole.pending_bytes != input.size())
    jobmon::fuzz::fail("offset + pending is not the input's size", counts(whole));
  if (whole.records * 16 > input.size()) jobmon::fuzz::fail("more records than bytes allow", counts(whole));

  jobmon::test::MemoryStorage storage;
  const std::string path = "run/events.out.tfevents.1.host";
  storage.put_file(path, "");
  jobmon::EventFileReader reader(path, max_record);
  Transcript pieces;
  jobmon::fuzz::Prng prng(input);
  std::uint64_t read_bytes = 0;
  for (std::size_t at = 0; at < input.size();) {
    const std::size_t piece = std::min<std::size_t>(input.size() - at, 1 + prng.below(64));
    storage.append_file(path, input.substr(at, piece), 2);
    at += piece;
    read_bytes += reader.read(storage, pieces, 1 + prng.below(96));
    if (!reader.stats().error.empty()) jobmon::fuzz::fail("a read failed", reader.stats().error);
  }
  if (reader.read(storage, pieces) != 0) jobmon::fuzz::fail("a read without new bytes read some");
  if (read_bytes > input.size()) jobmon::fuzz::fail("read more bytes than the file holds");
  if (counts(reader.stats()) != counts(whole))
    jobmon::fuzz::fail("incremental counts differ from the one-shot read", counts(reader.stats()) + "\n" + counts(whole));
  if (pieces.log != one_shot.log) jobmon::fuzz::fail("incremental values differ from the one-shot read");
  if (reader.replaced(storage)) jobmon::fuzz::fail("an appended file called replaced");

  std::string healed;
  std::uint64_t framed = 0;
  for (std::size_t at = 0; at + 12 <= input.size(); ++framed) {
    const std::uint64_t said = jobmon::detail::load_le64(input.data() + at);
    const std::size_t there = input.size() - at - 12;
    const std::size_t length = said < there ? static_cast<std::size_t>(said) : there;
    healed += jobmon::frame_tfrecord(input.substr(at + 12, length));
    at += 12 + length + 4;
  }
  Transcript decoded;
  const jobmon::EventFileStats clean = jobmon::read_event_records(healed, decoded, healed.size());
  if (clean.records != framed || clean.crc_failures != 0 || clean.resyncs != 0 || clean.pending_bytes != 0 ||
      clean.offset != healed.size())
    jobmon::fuzz::fail("well-framed records not all read", counts(clean));
  if (clean.malformed > clean.records) jobmon::fuzz::fail("more malformed records than records");
  return 0;
}
