// SnapshotAnalyzer, incremental against one-shot: the same Data-Juicer work
// dir is read once whole, and followed while its events files grow by
// appends cut at arbitrary bytes (mid-line, mid-UTF-8, mid-number), with
// update() after each append (the files grow in turn, as successive runs
// write them). Both then finish(); their snapshots must be
// the same document, valid JSON, and of a size proportional to the input.
// Sections: events.jsonl, events_20250917_120000.jsonl, job_summary.json,
// dag_execution_plan.json (absent sections: absent files).
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "json_check.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/error.hpp"
#include "memory_storage.hpp"

namespace {

const std::string work_dir = "/w";
constexpr double now = 1.8e9;

std::string document(const jobmon::SnapshotAnalyzer& analyzer) {
  std::ostringstream out;
  jobmon::write_snapshot_json(analyzer.snapshot(now), out);
  return out.str();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = jobmon::fuzz::as_text(data, size);
  const auto parts = jobmon::fuzz::sections(input, 4);
  jobmon::fuzz::Prng prng(input);
  const std::vector<std::string> events_names = {"events.jsonl", "events_20250917_120000.jsonl"};

  jobmon::SnapshotOptions options;
  options.chunk_size = prng.below(4) == 0 ? options.chunk_size : 1 + prng.below(300);

  auto growing = std::make_shared<jobmon::test::MemoryStorage>();
  auto whole = std::make_shared<jobmon::test::MemoryStorage>();
  for (auto* storage : {growing.get(), whole.get()}) {
    storage->make_dir(work_dir);
    if (parts.size() > 2) storage->put_file(work_dir + "/job_summary.json", std::string(parts[2]));
    if (parts.size() > 3) storage->put_file(work_dir + "/dag_execution_plan.json", std::string(parts[3]));
  }

  // Appends: each events file cut into pieces at arbitrary bytes. The files
  // grow one after the other, as runs do (a resumed run starts a new file
  // once the previous run has stopped writing its own).
  struct Piece {
    std::size_t file;
    std::string_view bytes;
  };
  std::vector<Piece> order;
  for (std::size_t f = 0; f < 2 && f < parts.size(); ++f) {
    std::string_view rest = parts[f];
    const std::size_t cuts = prng.below(6);
    for (std::size_t c = 0; c < cuts && !rest.empty(); ++c) {
      const std::size_t at = prng.below(rest.size());
      order.push_back({f, rest.substr(0, at)});
      rest.remove_prefix(at);
    }
    order.push_back({f, rest});
  }

  double mtime = 1.7e9;
  std::map<std::size_t, double> final_mtime;
  try {
    jobmon::SnapshotAnalyzer follower(work_dir, growing, options);
    for (const Piece& piece : order) {
      mtime += 1;
      growing->append_file(work_dir + "/" + events_names[piece.file], piece.bytes, mtime);
      final_mtime[piece.file] = mtime;
      follower.update();
    }
    follower.finish();

    for (const auto& [f, t] : final_mtime) whole->put_file(work_dir + "/" + events_names[f], std::string(parts[f]), t);
    jobmon::SnapshotAnalyzer one_shot(work_dir, whole, options);
    one_shot.update();
    one_shot.finish();

    const std::string followed = document(follower), read_once = document(one_shot);
    if (followed != read_once) {
      std::size_t at = 0;
      while (at < followed.size() && at < read_once.size() && followed[at] == read_once[at]) ++at;
      const std::size_t from = at > 600 ? at - 600 : 0;
      jobmon::fuzz::fail("incremental and one-shot snapshots differ",
                         "incremental, from byte " + std::to_string(from) + ":\n" + followed.substr(from, 1000) +
                             "\none-shot:\n" + read_once.substr(from, 1000));
    }
    // Output (and memory) proportional to what the events say, never to the
    // largest id they name: a 70-byte line must not print megabytes.
    if (read_once.size() > (1u << 20) + 2000 * size) {
      jobmon::fuzz::fail("snapshot JSON out of proportion to the events",
                         std::to_string(read_once.size()) + " bytes of JSON from " + std::to_string(size) + " bytes");
    }
    if (const std::string why = jobmon::fuzz::json_error(read_once); !why.empty()) {
      jobmon::fuzz::fail("snapshot JSON does not parse", why + "\n" + read_once);
    }
  } catch (const jobmon::StorageError& e) {
    jobmon::fuzz::fail("StorageError on a readable work dir", e.what());
  }
  return 0;
}
