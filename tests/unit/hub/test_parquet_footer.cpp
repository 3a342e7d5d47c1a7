// ParquetFooter against every real file in the shared fixtures (answers read
// from MANIFEST.tsv), plus truncated, corrupt and hostile inputs.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "jobmon/error.hpp"
#include "jobmon/hub/parquet_footer.hpp"
#include "jobmon/storage/storage.hpp"
#include "temp_tree.hpp"

using namespace jobmon;

namespace {

const std::string parquet_dir = std::string(JOBMON_FIXTURES_DIR) + "/parquet";

struct ManifestRow {
  std::string file;
  std::int64_t num_rows = 0;
  std::int64_t row_groups = 0;
  std::string created_by;
};

std::vector<ManifestRow> read_manifest() {
  std::ifstream in(parquet_dir + "/MANIFEST.tsv");
  REQUIRE(in);
  std::vector<ManifestRow> rows;
  std::string line;
  std::getline(in, line);  // header
  REQUIRE(line == "file\tnum_rows\trow_groups\tcreated_by");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) cells.push_back(cell);
    if (cells.size() == 3) cells.emplace_back();  // empty created_by
    REQUIRE(cells.size() == 4);
    rows.push_back({cells[0], std::stoll(cells[1]), std::stoll(cells[2]), cells[3]});
  }
  return rows;
}

std::string whole_file(const std::string& path) { return test::read_text(path); }

// Appends a Thrift compact field header (short form) to `out`.
void field(std::string& out, int delta, int type) { out.push_back(static_cast<char>((delta << 4) | type)); }

void varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// A complete file around the given metadata bytes.
std::string wrap(const std::string& metadata, const char* magic = "PAR1") {
  std::string file = "PAR1" + metadata;
  const auto length = static_cast<std::uint32_t>(metadata.size());
  for (int i = 0; i < 4; ++i) file.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  return file + magic;
}

ParquetFooter parse_file(const std::string& file) {
  auto footer = parse_parquet_tail(file, file.size());
  REQUIRE(footer);
  return *footer;
}

}  // namespace

TEST_CASE("ParquetFooter: every fixture file matches MANIFEST.tsv", "[hub]") {
  const auto manifest = read_manifest();
  REQUIRE(manifest.size() >= 30);
  LocalStorage storage;
  for (const auto& row : manifest) {
    INFO(row.file);
    const ParquetFooter footer = read_parquet_footer(storage, parquet_dir + "/" + row.file);
    CHECK(footer.num_rows == row.num_rows);
    CHECK(footer.row_groups == row.row_groups);
    CHECK(footer.created_by == row.created_by);
    // The same answer from the whole file in memory.
    const ParquetFooter again = parse_file(whole_file(parquet_dir + "/" + row.file));
    CHECK(again.num_rows == row.num_rows);
  }
}

TEST_CASE("ParquetFooter: a short tail asks for exactly the bytes it needs", "[hub]") {
  const std::string file = whole_file(parquet_dir + "/page_index.parquet");
  const std::string tail = file.substr(file.size() - 8);
  CHECK_FALSE(parse_parquet_tail(tail, file.size()));
  const std::uint64_t needed = parquet_tail_needed(tail, file.size());
  REQUIRE(needed > 8);
  REQUIRE(needed < file.size());
  CHECK_FALSE(parse_parquet_tail(std::string_view(file).substr(file.size() - needed + 1), file.size()));
  const auto footer = parse_parquet_tail(std::string_view(file).substr(file.size() - needed), file.size());
  REQUIRE(footer);
  CHECK(footer->metadata_length + 8 == needed);
}

TEST_CASE("ParquetFooter: a footer bigger than the speculative read takes a second read", "[hub]") {
  // Metadata padded with a big key/value-metadata binary (field 5 skipped).
  std::string metadata;
  field(metadata, 3, 6);
  varint(metadata, 42 * 2);  // zigzag(42)
  field(metadata, 2, 8);     // field 5 as binary (unknown shape: skipped)
  const std::string big(100000, 'x');
  varint(metadata, big.size());
  metadata += big;
  field(metadata, 1, 8);  // field 6 created_by
  varint(metadata, 4);
  metadata += "test";
  metadata.push_back(0);
  test::TempTree tree;
  tree.write("big.parquet", wrap(metadata));
  LocalStorage storage;
  const auto footer = read_parquet_footer(storage, tree.path("big.parquet"));
  CHECK(footer.num_rows == 42);
  CHECK(footer.created_by == "test");
  CHECK(storage.counters().reads == 2);
}

TEST_CASE("ParquetFooter: clear errors for short, non-Parquet and encrypted files", "[hub]") {
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(parse_parquet_tail("", 0), Contains("too short"));
  CHECK_THROWS_WITH(parse_parquet_tail("PAR1PAR1", 8), Contains("too short"));
  CHECK_THROWS_WITH(parse_parquet_tail("hello, world, not parquet", 25), Contains("no PAR1 magic"));
  const std::string real = whole_file(parquet_dir + "/uuid.parquet");
  std::string encrypted = real;
  encrypted.replace(encrypted.size() - 4, 4, "PARE");
  CHECK_THROWS_WITH(parse_parquet_tail(encrypted, encrypted.size()), Contains("encrypted"));
  // A length larger than the file.
  std::string lying = real;
  lying[lying.size() - 5] = '\x7f';
  CHECK_THROWS_WITH(parse_parquet_tail(lying, lying.size()), Contains("exceeds the file size"));
  // Half an upload: the first half of a real file.
  const std::string half = real.substr(0, real.size() / 2);
  CHECK_THROWS_AS(parse_parquet_tail(half, half.size()), FormatError);
  // Missing num_rows.
  std::string no_rows;
  field(no_rows, 1, 5);
  varint(no_rows, 2);
  no_rows.push_back(0);
  const std::string no_rows_file = wrap(no_rows);
  CHECK_THROWS_WITH(parse_parquet_tail(no_rows_file, no_rows_file.size()), Contains("no num_rows"));
}

TEST_CASE("ParquetFooter: hostile metadata is rejected, never followed", "[hub]") {
  using Catch::Matchers::Contains;
  SECTION("a binary claiming 2^62 bytes") {
    std::string m;
    field(m, 6, 8);
    varint(m, 1ull << 62);
    m += "abc";
    CHECK_THROWS_WITH(parse_parquet_metadata(m), Contains("bytes needed"));
  }
  SECTION("a list claiming a billion row groups") {
    std::string m;
    field(m, 3, 6);
    varint(m, 2);
    field(m, 1, 9);
    m.push_back(static_cast<char>(0xfc));  // size 15 -> varint follows, element struct
    varint(m, 1000000000);
    m += std::string(16, '\0');
    CHECK_THROWS_WITH(parse_parquet_metadata(m), Contains("elements in"));
  }
  SECTION("structs nested 10,000 deep") {
    std::string m;
    field(m, 3, 6);
    varint(m, 2);
    for (int i = 0; i < 10000; ++i) field(m, 4, 12);  // field 7, then field 4 inside each
    m += std::string(10000, '\0');
    CHECK_THROWS_WITH(parse_parquet_metadata(m), Contains("nesting deeper"));
  }
  SECTION("lists nested 10,000 deep") {
    std::string m;
    field(m, 5, 9);
    for (int i = 0; i < 10000; ++i) m.push_back(static_cast<char>(0x19));  // one element, a list
    CHECK_THROWS_WITH(parse_parquet_metadata(m), Contains("nesting deeper"));
  }
  SECTION("a varint of 11 bytes") {
    std::string m;
    field(m, 3, 6);
    m += std::string(11, '\xff');
    CHECK_THROWS_WITH(parse_parquet_metadata(m), Contains("varint"));
  }
  SECTION("num_rows of the wrong type") {
    std::string m;
    field(m, 3, 8);
    varint(m, 0);
    m.push_back(0);
    CHECK_THROWS_WITH(parse_parquet_metadata(m), Contains("field 3 has type 8"));
  }
  SECTION("no STOP byte") {
    std::string m;
    field(m, 3, 6);
    varint(m, 2);
    CHECK_THROWS_AS(parse_parquet_metadata(m), FormatError);
  }
}

TEST_CASE("ParquetFooter: random bytes and mutated real footers never crash", "[hub]") {
  std::mt19937_64 rng(20261122);
  std::uniform_int_distribution<int> byte(0, 255);
  std::size_t parsed = 0, rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string m(static_cast<std::size_t>(byte(rng) + 1), '\0');
    for (auto& c : m) c = static_cast<char>(byte(rng));
    try {
      parse_parquet_metadata(m);
      ++parsed;
    } catch (const FormatError&) {
      ++rejected;
    }
  }
  for (const auto& row : read_manifest()) {
    const std::string file = whole_file(parquet_dir + "/" + row.file);
    const std::uint32_t length = parquet_metadata_length(std::string_view(file).substr(file.size() - 8), file.size());
    const std::string metadata = file.substr(file.size() - 8 - length, length);
    for (int i = 0; i < 300; ++i) {
      std::string m = metadata;
      const int edits = 1 + byte(rng) % 4;
      for (int e = 0; e < edits; ++e) {
        const auto at = static_cast<std::size_t>(rng() % m.size());
        switch (byte(rng) % 3) {
          case 0: m[at] = static_cast<char>(byte(rng)); break;       // flip a byte
          case 1: m.resize(at); break;                               // truncate
          default: m.insert(at, 1, static_cast<char>(byte(rng)));   // insert
        }
        if (m.empty()) m.push_back('\0');
      }
      try {
        const ParquetFooter footer = parse_parquet_metadata(m);
        CHECK(footer.num_rows >= 0);
        ++parsed;
      } catch (const FormatError&) {
        ++rejected;
      }
    }
  }
  CHECK(rejected > 0);
  CHECK(parsed + rejected == 2000 + 300 * read_manifest().size());
}

TEST_CASE("ParquetFooter: field ids beyond i16 are rejected, not overflowed", "[hub]") {
  std::string m;
  m.push_back(static_cast<char>(0x05));  // long form, type i32
  varint(m, 2ull * 2147483647ull);       // zigzag(INT32_MAX)
  varint(m, 0);
  field(m, 1, 5);
  varint(m, 0);
  m.push_back(0);
  CHECK_THROWS_WITH(parse_parquet_metadata(m), Catch::Matchers::Contains("field id"));
  std::string deltas;
  field(deltas, 3, 6);
  varint(deltas, 2);
  for (int i = 0; i < 3000; ++i) {  // 15 a step: past 32,767 after ~2,200 fields
    field(deltas, 15, 5);
    varint(deltas, 0);
  }
  deltas.push_back(0);
  CHECK_THROWS_WITH(parse_parquet_metadata(deltas), Catch::Matchers::Contains("field id"));
}
