// Benchmark: decoding Parquet footers (every fixture's FileMetaData, many
// times) and a long fuzz run over mutated real footers, printing the time per
// footer and how many mutations parsed or were rejected (never crashed).
// Usage: parquet_footer_bench [FIXTURE_DIR] [ROUNDS] [MUTATIONS_PER_FILE]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "jobmon/error.hpp"
#include "jobmon/hub/parquet_footer.hpp"

int main(int argc, char** argv) {
  using namespace jobmon;
  namespace fs = std::filesystem;
  const std::string dir = argc > 1 ? argv[1] : "tests/fixtures/parquet";
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 2000;
  const int mutations = argc > 3 ? std::atoi(argv[3]) : 20000;
  std::vector<std::string> footers;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".parquet") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string file = ss.str();
    const auto length = parquet_metadata_length(std::string_view(file).substr(file.size() - 8), file.size());
    footers.push_back(file.substr(file.size() - 8 - length, length));
  }
  std::size_t bytes = 0;
  for (const auto& f : footers) bytes += f.size();
  using clock = std::chrono::steady_clock;
  std::int64_t rows = 0;
  auto start = clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& f : footers) rows += parse_parquet_metadata(f).num_rows;
  }
  const double seconds = std::chrono::duration<double>(clock::now() - start).count();
  const double per = seconds / (static_cast<double>(rounds) * static_cast<double>(footers.size()));
  fmt::print("decode: {} footers ({} bytes) x {} rounds in {:.3f} s: {:.2f} us a footer, {:.0f} MB/s (rows checksum {})\n",
             footers.size(), bytes, rounds, seconds, per * 1e6,
             static_cast<double>(bytes) * rounds / seconds / 1e6, rows);

  std::mt19937_64 rng(7);
  std::size_t parsed = 0, rejected = 0;
  start = clock::now();
  for (const auto& original : footers) {
    for (int i = 0; i < mutations; ++i) {
      std::string m = original;
      const int edits = 1 + static_cast<int>(rng() % 8);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const auto at = static_cast<std::size_t>(rng() % m.size());
        switch (rng() % 3) {
          case 0: m[at] = static_cast<char>(rng()); break;
          case 1: m.resize(at); break;
          default: m.insert(at, 1, static_cast<char>(rng())); break;
        }
      }
      try {
        parse_parquet_metadata(m);
        ++parsed;
      } catch (const FormatError&) {
        ++rejected;
      }
    }
  }
  const double fuzz_seconds = std::chrono::duration<double>(clock::now() - start).count();
  fmt::print("fuzz: {} mutated footers in {:.2f} s: {} parsed, {} rejected with FormatError, 0 crashes\n",
             parsed + rejected, fuzz_seconds, parsed, rejected);
  return 0;
}
