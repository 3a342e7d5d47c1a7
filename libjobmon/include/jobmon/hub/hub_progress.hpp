// HubProgress: how far a generation job that pushes Parquet shards to a Hub
// dataset repo has got. Counts rows from the shards' footers (read by range,
// cached by file oid so a later poll reads only new shards), skips and
// reports shards that cannot be read (half uploaded, corrupt), resolves the
// expected total, estimates the ETA and keeps the dataset card's progress
// section current. The polling loop of the jobmon-hub-progress tool is
// run_hub_progress_command (jobmon/cli/hub_progress_command.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/hub/hub_card.hpp"
#include "jobmon/hub/hub_client.hpp"

namespace jobmon {

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
  std::string slurm_job;            // stopped when squeue no longer lists it
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
};

struct HubPoll {
  HubCount count;
  std::int64_t total = 0;
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

  // --total, else the datasets-server size of --source (else its card's
  // dataset_info), else --max-examples (which also caps the others). Throws
  // UsageError when none is known.
  std::int64_t resolve_total();

  // Lists the shards and sums their footers' num_rows.
  HubCount count();

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
std::string hub_poll_json(const HubProgressOptions& options, const HubPoll& poll);

}  // namespace jobmon
