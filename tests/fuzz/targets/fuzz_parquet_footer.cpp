// The Parquet footer reader: the trailer, the Thrift compact FileMetaData,
// the tail logic (how much more to fetch) and the two-read Storage path.
// Anything malformed must end in a FormatError (or StorageError), never a
// crash, hang or huge allocation.
#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "jobmon/hub/parquet_footer.hpp"
#include "memory_storage.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view file = jobmon::fuzz::as_text(data, size);
  try {
    (void)jobmon::parse_parquet_metadata(file);
  } catch (const jobmon::FormatError&) {
  }
  if (file.size() >= jobmon::parquet_trailer_size) {
    try {
      (void)jobmon::parquet_metadata_length(file.substr(file.size() - jobmon::parquet_trailer_size), file.size());
    } catch (const jobmon::FormatError&) {
    }
  }
  // The tail as a short read of a bigger file, then as the whole file.
  jobmon::fuzz::Prng prng(file);
  const std::uint64_t bigger = file.size() + prng.below(1u << 20);
  for (std::uint64_t file_size : {bigger, static_cast<std::uint64_t>(file.size())}) {
    try {
      const auto footer = jobmon::parse_parquet_tail(file, file_size);
      const std::uint64_t needed = jobmon::parquet_tail_needed(file, file_size);
      if (!footer && needed <= file.size()) jobmon::fuzz::fail("no footer, yet no more bytes needed");
    } catch (const jobmon::FormatError&) {
    }
  }
  jobmon::test::MemoryStorage storage;
  storage.put_file("/shard.parquet", std::string(file));
  try {
    const jobmon::ParquetFooter footer = jobmon::read_parquet_footer(storage, "/shard.parquet");
    if (footer.metadata_length + jobmon::parquet_trailer_size > file.size()) {
      jobmon::fuzz::fail("footer longer than the file");
    }
  } catch (const jobmon::FormatError&) {
  } catch (const jobmon::StorageError&) {
  }
  return 0;
}
