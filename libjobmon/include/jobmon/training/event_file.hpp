// TensorBoard event files (events.out.tfevents.*) read incrementally: the
// TFRecord framing (u64 length, masked CRC32C of the length, an Event
// protobuf, masked CRC32C of the data) and the few Event fields a monitor
// needs, decoded by a reader of our own (no TensorFlow, no libprotobuf).
// A record whose CRC is wrong is skipped and counted, never fatal; a torn
// last record waits for its bytes; memory stays bounded whatever the file
// holds (a huge length field is skipped, never allocated).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "jobmon/storage/storage.hpp"

namespace jobmon {

// One scalar: a Summary.Value with simple_value, or a DT_FLOAT (or
// DT_DOUBLE) scalar tensor as TF2 writers store them. float32 values are
// widened exactly to double.
struct EventScalar {
  std::int64_t step = 0;
  double wall_time = 0;
  std::string_view tag;  // valid during the call only
  double value = 0;
};

// What the reader hands on, record by record, in file order.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void on_scalar(const EventScalar& scalar) = 0;
  // A text summary (plugin "text"), e.g. the Trainer's args/text_summary: a
  // JSON dump of TrainingArguments (max_steps, num_train_epochs...).
  virtual void on_text(std::string_view /*tag*/, std::int64_t /*step*/, double /*wall_time*/, std::string_view /*text*/) {}
  // Any other summary value (histograms, images, hparams...): its tag and
  // "<value kind>/<plugin>", either side empty when unset, e.g. "histo/",
  // "tensor/graph_keras_model", "/hparams" (add_hparams' entries set no
  // value, only metadata). MANIFEST.json writes an unset side as "None".
  virtual void on_other(std::string_view /*tag*/, std::string_view /*kind*/) {}
};

struct EventFileStats {
  std::uint64_t offset = 0;        // bytes consumed: the end of the last whole record (or skipped span)
  std::uint64_t records = 0;       // whole records whose CRCs matched
  std::uint64_t crc_failures = 0;  // records skipped for a wrong length or data CRC
  std::uint64_t oversized = 0;     // records skipped unread for a length over max_record_bytes
  std::uint64_t resyncs = 0;       // times the framing was lost and found again further on
  std::uint64_t malformed = 0;     // records whose CRCs matched but whose Event did not decode whole
  std::uint64_t scalars = 0;
  std::uint64_t pending_bytes = 0; // a torn last record waiting for the rest of its bytes
  std::string file_version;        // "brain.Event:2"
  std::optional<double> first_wall_time, last_wall_time;
  std::string error;               // the last read's failure (unreadable file...), empty when none
};

class EventFileReader {
 public:
  // Records longer than max_record_bytes are skipped (counted in oversized)
  // without being held in memory.
  explicit EventFileReader(std::string path, std::uint64_t max_record_bytes = 64ull << 20);

  // Reads the records appended since the last call, chunk by chunk through
  // storage.read_range, handing each whole one to the sink; returns the
  // bytes read. A torn last record is kept for the next call. Never throws
  // for the file's content or a failed read (stats().error says why).
  std::uint64_t read(const Storage& storage, EventSink& sink, std::size_t chunk_bytes = 4u << 20);

  // True when what was read no longer holds: the file shrank below the
  // offset read or its first bytes changed. The caller then starts over
  // with a new reader.
  bool replaced(const Storage& storage) const;

  const std::string& path() const { return path_; }
  const EventFileStats& stats() const { return stats_; }

 private:
  std::string path_;
  std::uint64_t max_record_bytes_;
  EventFileStats stats_;
  std::string head_;     // the first bytes read, to notice a replaced file
  std::string carry_;    // bytes of a record not yet whole
  std::uint64_t skip_ = 0;  // bytes of an oversized record still to skip
  std::uint64_t held_record_ = 0;  // a torn record too long to hold: its length, re-read from offset once whole
  bool lost_ = false;       // framing lost (a wrong length CRC): looking for the next good header
};

// The same decoding over bytes in memory (tests, fuzzing): every whole
// record of `bytes`; a torn tail is reported in pending_bytes.
EventFileStats read_event_records(std::string_view bytes, EventSink& sink,
                                  std::uint64_t max_record_bytes = 64ull << 20);

// TFRecord framing for writers of test data: one record around `data`.
std::string frame_tfrecord(std::string_view data);
// The masked CRC32C TFRecord uses.
std::uint32_t masked_crc32c(std::string_view data);

}  // namespace jobmon
