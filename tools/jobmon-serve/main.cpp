// jobmon-serve: a live web dashboard and JSON API over the jobmon library.
#include <CLI/CLI.hpp>

#include "jobmon/error.hpp"
#include "jobmon/server/serve.hpp"
#include "jobmon/server/web_api.hpp"
#include "jobmon/version.hpp"
#include "notify_flags.hpp"
#include "tool_main.hpp"

int main(int argc, char** argv) {
  using namespace jobmon;
  CLI::App app{"Live web dashboard and JSON API for datatrove jobs, Data-Juicer work dirs and training runs\n"
               "(Hugging Face Trainer output dirs, TensorBoard event files, Lightning CSV logs).\n"
               "ROOT may be a job or run dir, a dir of them, or a glob.",
               "jobmon-serve"};
  ServeOptions options;
  app.add_option("roots", options.targets, "Job or run dirs, their parents, or globs")->required();
  app.add_flag("-r,--recursive", options.recursive, "Look for jobs and runs below other subdirectories too");
  app.add_option("--bind", options.http.bind, "Address to listen on (default 127.0.0.1)");
  app.add_option("--port", options.http.port, "Port (default 8787; 0 = any free port)")->check(CLI::Range(0, 65535));
  std::string token_file;
  auto* token_opt = app.add_option("--token", options.token,
                                   "Bearer token required by every request (env JOBMON_TOKEN; on the command line\n"
                                   "it is visible to other local users: prefer the variable or --token-file)")
                        ->envname("JOBMON_TOKEN");
  app.add_option("--token-file", token_file, "Read the bearer token from this file")
      ->check(CLI::ExistingFile)
      ->excludes(token_opt);
  app.add_option("--id-key-file", options.id_key_file,
                 "Key file job ids are derived with, created when missing, so links to jobs survive\n"
                 "restarts (default $XDG_STATE_HOME/jobmon/serve-id-key, else ~/.local/state/...)");
  app.add_option("-i,--interval", options.interval_seconds, "Seconds between refreshes (default 3)")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("-j,--threads", options.threads, "Jobs read in parallel (default: automatic)")->check(CLI::Range(1u, 1024u));
  tools::NotifyFlags notify_flags;
  tools::add_notify_flags(app, options.notify, notify_flags);
  double drop_complete_hours = 0;
  app.add_option("--metrics-drop-complete-after", drop_complete_hours,
                 "Leave complete jobs that finished more than this many hours ago out of /metrics' per-job series")
      ->check(CLI::PositiveNumber);
  std::vector<std::string> deadlines;
  app.add_option("--deadline", deadlines,
                 "NAME_PREFIX=TIME: jobs whose name starts with the prefix must be done by TIME (ISO-8601 or epoch "
                 "seconds); /metrics exports it for the JobWillMissDeadline alert (repeatable)");
  std::string scheduler = "auto";
  app.add_option("--scheduler", scheduler,
                 "Whose word joins the files': slurm, auto (Slurm where squeue runs; default) or none")
      ->check(CLI::IsMember({"slurm", "auto", "none"}));
  app.add_option("--scheduler-interval", options.scheduler_interval,
                 "Seconds between the scheduler's answers, asked in the background (default 10)")
      ->check(CLI::Range(0.5, 86400.0));
  app.add_option("--handler-threads", options.http.handler_threads,
                 "Threads answering API requests (default 2; 0 = on the I/O thread)")
      ->check(CLI::Range(0u, 64u));
  app.set_version_flag("-V,--version", std::string("jobmon-serve ") + version_string);
  app.footer("Read-only. Binding to a non-loopback address requires --token.\n"
             "Exit codes: 0 stopped by a signal, 1 cannot listen, 2 usage error.");
  return tools::run_tool(app, argc, argv, [&] {
    options.scheduler = *parse_scheduler_choice(scheduler);
    options.notify = notify_flags.options(options.notify, "jobmon-serve");
    if (drop_complete_hours > 0) options.metrics.drop_complete_after_seconds = drop_complete_hours * 3600;
    for (const auto& d : deadlines) options.metrics.deadlines.push_back(parse_deadline(d));
    if (!token_file.empty()) {
      try {
        options.token = read_token_file(token_file);
      } catch (const std::exception& e) {
        throw UsageError(e.what());  // an unusable --token-file is a usage error
      }
    }
    if (!loopback_address(options.http.bind) && options.token.empty()) {
      throw UsageError("binding to " + options.http.bind +
                       " exposes job names and logs to the network: set --token (or JOBMON_TOKEN)");
    }
    return static_cast<ExitCode>(run_server(options));
  });
}
