// HubProgress: how far a generation job that pushes Parquet shards to a Hub
// dataset repo has got. Each poll resolves the branch to one commit sha and
// reads everything at it (listing, footers, card; the card is committed with
// that sha as parentCommit). Counts rows from the shards' footers (read by
// range, cached by file oid so a later poll reads only new shards), skips and
// reports shards that cannot be read (half uploaded, corrupt), resolves the
// expected total (as a last resort from the --source dataset's own Parquet
// footers), estimates the ETA and keeps the dataset card's progress section
// current. The polling loop of the jobmon-hub-progress tool is
// run_hub_progress_command (jobmon/cli/hub_progress_command.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/hub/hub_card.hpp"
#include "jobmon/hub/hub_client.hpp"

namespace jobmon {

// Where a count stands, told while it runs (a 10,000-shard count takes a while).
struct HubCountProgress {
  std::string repo;                 // the repo being counted (the output, or the --source dataset)
  std::string sha;                  // the commit it is read at
  std::size_t files = 0;            // Parquet files listed
  std::size_t footers_done = 0;     // footers read so far by this count
  std::size_t footers_to_read = 0;  // footers this count reads (not cached)
  double elapsed = 0;               // seconds since the count began
  bool done = false;                // the last report of this count
};

struct HubProgressOptions {
  std::string repo;                 // ORG/NAME of the output dataset
  std::string config = "default";   // counts data/**.parquet for default, else <config>/**.parquet
  std::string split = "train";      // of the --source dataset
  std::string revision = "main";
  std::optional<std::int64_t> total;
  std::string source;               // input dataset whose datasets-server size is the total
  std::string source_config = "default";
  std::optional<std::int64_t> max_examples;  // fallback total, and a cap on it
  double interval = 3600;
  // Everything one poll sends (listing, footers, card) ends within this many
  // seconds, retries and Retry-After waits included; 0: no deadline.
  double poll_deadline = 900;
  bool once = false;
  bool dry_run = false;
  bool json = false;
  std::string stats_path;           // complete when this file exists
  std::string slurm_job;            // stopped when the scheduler says the job ended
  // A first poll that finds no shard for --config, on a card without a line
  // for it, is refused (a typo) unless this is set.
  bool allow_empty = false;
  // Hears each count's progress: after the listing and after each batch of
  // footers. Empty: silent.
  std::function<void(const HubCountProgress&)> on_count;
};

// Where the total came from: "--total", "datasets-server", "source card",
// "source footers", "--max-examples"; for "source footers" the source's
// commit sha (the count is kept while the source stays at it), the revision
// read ("main" or refs/convert/parquet) and the files counted.
struct HubTotalOrigin {
  std::string from;
  std::string source_sha;
  std::string source_revision;
  std::size_t source_files = 0;
  std::size_t source_skipped = 0;
};

struct SkippedShard {
  std::string path;
  std::string reason;
};

struct HubCount {
  std::int64_t rows = 0;
  std::size_t files = 0;            // Parquet shards listed
  std::vector<SkippedShard> skipped;
  std::size_t footers_read = 0;     // shards whose footer was fetched by this count (not cached)
  std::string sha;                  // the commit counted
};

struct HubPoll {
  HubCount count;
  std::int64_t total = 0;
  bool total_exceeded = false;      // more rows than the total (the card says total/total, as the reference)
  CardState state = CardState::running;
  std::optional<double> eta_seconds;
  double time = 0;
  bool committed = false;
  std::string card_line;
  std::string readme;               // the card as it would be committed (dry run)
};

// num_examples of a split from a dataset card's front matter
// (dataset_info[.config_name].splits[].num_examples); nothing when absent.
std::optional<std::int64_t> card_num_examples(std::string_view readme, const std::string& config,
                                              const std::string& split);

// The shard folder of a config: "data" for default, else the config name.
std::string hub_shard_folder(const std::string& config);

class HubProgress {
 public:
  HubProgress(HubClient& client, HubProgressOptions options);
  ~HubProgress();
  HubProgress(const HubProgress&) = delete;
  HubProgress& operator=(const HubProgress&) = delete;

  // --total, else the datasets-server size of --source, else its card's
  // dataset_info, else the rows in the footers of its Parquet files (its
  // tree's, else its refs/convert/parquet revision's), else --max-examples
  // (which also caps the others). Throws UsageError when none is known.
  std::int64_t resolve_total();
  const HubTotalOrigin& total_origin() const;

  // Lists the shards at `sha` (empty: the revision's head, resolved now) and
  // sums their footers' num_rows.
  HubCount count(const std::string& sha = {});

  // One poll: count, estimate, update the card (unless dry run).
  HubPoll poll(double now, CardState state = CardState::running, const std::string& stopped_reason = {});

  const HubProgressOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Percent of `total` that `rows` is, floored to two decimals (0 without a total).
double hub_poll_percent(const HubPoll& poll);

// The status object --json prints per poll (one line each).
std::string hub_poll_json(const HubProgressOptions& options, const HubPoll& poll, const HubTotalOrigin& origin = {});

}  // namespace jobmon
