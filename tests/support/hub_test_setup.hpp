// Shared by the HubProgress tests: the fake Hub with an output repo org/out
// (README with front matter and a body the monitor must not touch), the real
// fixture shards, row counts read from MANIFEST.tsv, the request log.
#pragma once

#include <catch2/catch.hpp>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fake_hub.hpp"
#include "jobmon/hub/hub_client.hpp"
#include "temp_tree.hpp"

namespace jobmon::test {

inline const std::string parquet_dir = std::string(JOBMON_FIXTURES_DIR) + "/parquet";
inline const std::string hub_token = "hf_progress_SECRET_token";
inline constexpr double noon = 1795348800;  // 2026-11-22 12:00:00 UTC
inline const std::string front_matter = "---\nlicense: mit\n---\n";
inline const std::string card_body = "# Generated\n\nText the monitor must not touch.\n";

inline std::int64_t manifest_rows(const std::string& file) {
  std::ifstream in(parquet_dir + "/MANIFEST.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(file + "\t", 0) == 0) return std::stoll(line.substr(file.size() + 1));
  }
  FAIL("not in MANIFEST.tsv: " << file);
  return -1;
}

struct HubSetup {
  TempTree tree;
  std::unique_ptr<FakeHub> hub;
  std::unique_ptr<HubClient> client;
  explicit HubSetup(bool with_readme = true) {
    tree.mkdir("org/out/data/train");
    if (with_readme) tree.write("org/out/README.md", front_matter + card_body);
    hub = std::make_unique<FakeHub>(tree.root(), hub_token, 2);
    HubConfig config;
    config.endpoint = hub->endpoint();
    config.datasets_server = hub->endpoint();
    config.token = hub_token;
    config.retry.base_seconds = 0.01;
    client = std::make_unique<HubClient>(config);
  }
  // A fixture shard copied to a path of the tree ("org/out/data/train/0.parquet").
  void put(const std::string& fixture, const std::string& as) const {
    std::filesystem::create_directories(std::filesystem::path(tree.path(as)).parent_path());
    std::filesystem::copy_file(parquet_dir + "/" + fixture, tree.path(as),
                               std::filesystem::copy_options::overwrite_existing);
  }
  void add(const std::string& fixture, const std::string& as) const { put(fixture, "org/out/data/train/" + as); }
  void add_half(const std::string& fixture, const std::string& as) const {
    const std::string bytes = read_text(parquet_dir + "/" + fixture);
    tree.write("org/out/data/train/" + as, bytes.substr(0, bytes.size() / 2));
  }
  std::string readme() const { return read_text(tree.path("org/out/README.md")); }
  std::size_t requests(const std::string& port, const std::string& contains) const {
    std::size_t n = 0;
    for (const auto& e : hub->log()) {
      if (e.at("port").as_string() == port && std::string(e.at("path").as_string()).find(contains) != std::string::npos) ++n;
    }
    return n;
  }
  // "GET /api/...", one per request, in order (the control endpoints excluded).
  std::vector<std::string> request_lines() const {
    std::vector<std::string> out;
    for (const auto& e : hub->log()) {
      out.push_back(std::string(e.at("port").as_string()) + " " + std::string(e.at("method").as_string()) + " " +
                    std::string(e.at("path").as_string()));
    }
    return out;
  }
};

// The progress section as the card holds it.
inline std::string card_section(const std::string& line, const std::string& stamp) {
  return "<!-- jobmon-hub-progress:begin -->\n## 🔄 Generation Progress\n\n" + line + "\n\n*Last updated: " + stamp +
         " UTC*\n<!-- jobmon-hub-progress:end -->\n";
}

}  // namespace jobmon::test
