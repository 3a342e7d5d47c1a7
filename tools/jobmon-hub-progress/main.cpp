// jobmon-hub-progress: live progress, ETA and dataset-card updates for a
// generation job that pushes Parquet shards to a Hugging Face Hub dataset.
// Flags only; the work is jobmon::run_hub_progress_command.
#include <CLI/CLI.hpp>

#include "jobmon/cli/hub_progress_command.hpp"
#include "jobmon/version.hpp"
#include "tool_main.hpp"

int main(int argc, char** argv) {
  using namespace jobmon;
  CLI::App app{"Counts the rows of the Parquet shards in a Hub dataset repo (from their footers), estimates\n"
               "the time left and keeps a progress section in the repo's README.md (the dataset card).\n"
               "Token and endpoint from HF_TOKEN / HF_TOKEN_PATH / HF_HOME and HF_ENDPOINT.",
               "jobmon-hub-progress"};
  HubProgressOptions options;
  std::int64_t total = 0, max_examples = 0;
  int max_in_flight = 32;
  double retry_base = -1;
  std::string datasets_server;
  app.add_option("--repo", options.repo, "Output dataset repo ORG/NAME")->required();
  app.add_option("--config", options.config, "Config whose shards to count: data/ for default, else <config>/")
      ->capture_default_str();
  app.add_option("--split", options.split, "Split of the --source dataset")->capture_default_str();
  app.add_option("--revision", options.revision, "Branch to read and commit to")->capture_default_str();
  app.add_option("--total", total, "Expected number of rows")->check(CLI::PositiveNumber);
  app.add_option("--source", options.source,
                 "Input dataset whose size is the total (datasets-server, its card, else its Parquet footers)");
  app.add_option("--source-config", options.source_config, "Config of the --source dataset")->capture_default_str();
  app.add_option("--max-examples", max_examples, "Total when nothing else says; also caps the total")
      ->check(CLI::PositiveNumber);
  app.add_option("--interval", options.interval, "Seconds between polls")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_flag("--once", options.once, "Poll once and exit");
  app.add_flag("--dry-run", options.dry_run, "Print the card instead of committing it");
  app.add_flag("--json", options.json, "One JSON status object per poll on stdout, one line each");
  app.add_option("--stats-path", options.stats_path, "Complete when this file exists (final card update, exit 0)");
  app.add_option("--slurm-job", options.slurm_job,
                 "Stopped when Slurm (squeue/sacct) says job ID (or array task ID_N) ended (exit 4)");
  app.add_flag("--allow-empty", options.allow_empty,
               "Start a card line for a --config with no shard yet (refused otherwise: a typo?)");
  app.add_option("--datasets-server", datasets_server, "datasets-server base URL (default: $JOBMON_DATASETS_SERVER "
                                                       "or https://datasets-server.huggingface.co)");
  app.add_option("--max-in-flight", max_in_flight, "Footer reads running at once")->capture_default_str()
      ->check(CLI::Range(1, 1024));
  double request_timeout = 0, max_retry_after = -1;
  app.add_option("--poll-deadline", options.poll_deadline,
                 "Seconds one poll may take, retries and Retry-After waits included (0: none)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--request-timeout", request_timeout, "Seconds one HTTP transfer may take (default 120)")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-retry-after", max_retry_after,
                 "Longest wait a 429/503 Retry-After is honoured for, in seconds (default 60)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--retry-base", retry_base, "First retry backoff in seconds (doubles up to 8 s)")
      ->check(CLI::NonNegativeNumber);
  app.set_version_flag("-V,--version", std::string("jobmon-hub-progress ") + version_string);
  app.footer("Exit codes: 0 done (--once, or complete), 1 runtime error (401/403/404 included), 2 usage error,\n"
             "4 the Slurm job stopped without stats.json.");
  return tools::run_tool(app, argc, argv, [&] {
    if (total > 0) options.total = total;
    if (max_examples > 0) options.max_examples = max_examples;
    HubConfig config = HubConfig::from_environment();
    if (!datasets_server.empty()) config.datasets_server = datasets_server;
    config.max_in_flight = max_in_flight;
    if (retry_base >= 0) config.retry.base_seconds = retry_base;
    if (request_timeout > 0) config.request_timeout = request_timeout;
    if (max_retry_after >= 0) config.retry.max_retry_after = max_retry_after;
    HubClient client(config);
    return run_hub_progress_command(options, client, Console::standard());
  });
}
