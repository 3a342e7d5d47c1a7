// Replays inputs through a fuzz target without libFuzzer, so every build
// (gcc included) runs each target's seed corpus and regression inputs as a
// ctest. Usage:
//   fuzz_<name>_replay [--known-failing LIST --root DIR] PATH...
// A PATH is a file or a directory (its regular files, sorted, dot files
// skipped; a missing directory is fine: git keeps no empty ones). LIST names
// inputs, relative to DIR, that are known to fail until the library is fixed:
// they are skipped with a note so the suite stays green.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

namespace {

std::set<std::string> read_known_failing(const std::string& list) {
  std::set<std::string> known;
  std::ifstream in(list);
  for (std::string line; std::getline(in, line);) {
    const auto hash = line.find('#');
    if (hash != std::string::npos) line.erase(hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    if (!line.empty()) known.insert(line);
  }
  return known;
}

std::vector<fs::path> inputs_of(const fs::path& path) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && entry.path().filename().string().front() != '.') out.push_back(entry.path());
    }
    std::sort(out.begin(), out.end());
  } else if (fs::is_regular_file(path, ec)) {
    out.push_back(path);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::set<std::string> known;
  fs::path root = ".";
  std::vector<fs::path> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--known-failing" && i + 1 < argc) {
      known = read_known_failing(argv[++i]);
    } else if (arg == "--root" && i + 1 < argc) {
      root = argv[++i];
    } else {
      paths.emplace_back(arg);
    }
  }
  std::size_t ran = 0, skipped = 0;
  for (const fs::path& path : paths) {
    for (const fs::path& input : inputs_of(path)) {
      const std::string relative = fs::relative(input, root).generic_string();
      if (known.count(relative) != 0) {
        std::printf("skipped (listed in KNOWN_FAILING): %s\n", relative.c_str());
        ++skipped;
        continue;
      }
      std::ifstream in(input, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::printf("replaying %s (%zu bytes)\n", relative.c_str(), bytes.size());
      std::fflush(stdout);
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
      ++ran;
    }
  }
  std::printf("%zu inputs replayed, %zu known failing skipped\n", ran, skipped);
  return 0;
}
