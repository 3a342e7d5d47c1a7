// jobmon-status: status of many datatrove-style jobs and training runs.
// Flags only; the work is jobmon::run_status_tool.
#include <CLI/CLI.hpp>

#include "color_flags.hpp"
#include "notify_flags.hpp"
#include "jobmon/cli/status_command.hpp"
#include "jobmon/version.hpp"
#include "tool_main.hpp"

int main(int argc, char** argv) {
  using namespace jobmon;
  CLI::App app{"Status of datatrove-style jobs (executor.json + completions/ markers) and training runs\n"
               "(Hugging Face Trainer output dirs, TensorBoard event files, Lightning CSV logs).\n"
               "PATH may be a job or run dir, a dir of them, or a glob (*, ?, [..], **),\n"
               "locally or as s3://bucket/prefix (configured by AWS_* variables and ~/.aws).",
               "jobmon-status"};
  StatusCommandOptions options;
  std::string sort;
  tools::ColorFlags color;
  bool recursive = false;
  unsigned threads = 0;
  app.add_option("paths", options.targets, "Job dirs, parents of job dirs, or globs (default: .)");
  app.add_option("-p,--prefix,--log_prefix", options.prefix, "Only jobs whose directory name starts with this");
  app.add_flag("--hide-complete,--hide_complete", options.hide_complete,
               "Hide complete jobs (totals still count them; also -hc)");
  app.add_flag("--json", options.json, "Print one JSON document on stdout");
  app.add_flag("--csv", options.csv, "Print one CSV line per job on stdout (header first; README lists the columns)");
  app.add_flag("--failed", options.show_failed, "List incomplete ranks (as ranges) and why they failed (not with --watch/--once)");
  app.add_flag("--check", options.check, "Exit 3 when any job or training run is incomplete (or none was found); with --once too");
  app.add_flag("-r,--recursive", recursive, "Look for jobs and runs below other subdirectories too");
  app.add_option("-j,--threads", threads, "Jobs read in parallel (default: automatic)")->check(CLI::Range(1u, 1024u));
  auto* sort_option = app.add_option("--sort", sort, "Order: name, progress, eta, status, recent (not with --watch/--once)")
                          ->check(CLI::IsMember({"name", "progress", "eta", "status", "recent"}));
  tools::add_color_flags(app, color);
  app.add_flag("--utc", options.utc, "Times in UTC instead of local time");
  app.add_flag("-w,--watch", options.watch, "Live dashboard, refreshed every --interval seconds (q or Ctrl-C quits)");
  auto* interval = app.add_option("-i,--interval", options.interval, "Seconds between refreshes (default 5; implies --watch)")
                       ->check(CLI::Range(0.05, 86400.0));
  app.add_flag("--once", options.once, "Print one dashboard frame and exit");
  tools::NotifyFlags notify_flags;
  tools::add_notify_flags(app, options.notify, notify_flags);
  std::string scheduler = "auto";
  app.add_option("--scheduler", scheduler,
                 "Whose word joins the files': slurm, auto (Slurm where squeue runs; default) or none")
      ->check(CLI::IsMember({"slurm", "auto", "none"}));
  app.add_option("--scheduler-interval", options.scheduler_interval,
                 "With --watch: seconds between the scheduler's answers, asked in the background (default 10)")
      ->check(CLI::Range(0.5, 86400.0));
  app.set_version_flag("-V,--version", std::string("jobmon-status ") + version_string);
  app.footer("Exit codes: 0 ok (also when the dashboard is quit with q or Ctrl-C), 1 runtime error,\n"
             "2 usage error, 3 incomplete jobs (with --check).");

  // datatrove's jobs_status spells --hide_complete "-hc", which CLI11 would read as -h -c.
  return tools::run_tool(app, with_datatrove_spellings(tools::arguments(argc, argv)), [&] {
    if (sort_option->count() > 0) options.sort = parse_sort_order(sort);
    options.color = color.mode();
    options.scheduler = *parse_scheduler_choice(scheduler);
    options.notify = notify_flags.options(options.notify, "jobmon-status");
    options.scan.recursive = recursive;
    options.scan.threads = threads;
    if (interval->count() > 0) options.watch = true;
    return run_status_tool(options, Console::standard());
  });
}
