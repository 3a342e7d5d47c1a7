// jobmon-snapshot: state of a Data-Juicer job from its work dir. Flags only;
// the work is jobmon::run_snapshot_command.
#include <CLI/CLI.hpp>
#include <iostream>

#include "jobmon/cli/exit_code.hpp"
#include "jobmon/cli/snapshot_command.hpp"
#include "jobmon/error.hpp"
#include "jobmon/version.hpp"

int main(int argc, char** argv) {
  using namespace jobmon;
  CLI::App app{"Snapshot of a Data-Juicer job: reads events*.jsonl, dag_execution_plan.json and\n"
               "job_summary.json in WORK_DIR. Prints JSON on stdout (the reference snapshot's keys\n"
               "plus jobmon's), or a report with --human-readable.",
               "jobmon-snapshot"};
  SnapshotCommandOptions options;
  bool no_color = false, force_color = false;
  app.add_option("work_dir", options.work_dir, "The job's work dir (holds events*.jsonl)");
  app.add_flag("-H,--human-readable,--human_readable", options.human_readable, "Human-readable report instead of JSON");
  app.add_option("--list", options.list_root, "List every job under this outputs root (table; JSON with --json)");
  app.add_flag("--json", options.json_list, "With --list: JSON instead of a table");
  app.add_flag("-f,--follow", options.follow, "Re-render as the job runs, reading only appended events");
  app.add_option("-i,--interval", options.interval_seconds, "Seconds between refreshes with --follow (default 2)");
  app.add_option("--count", options.max_refreshes, "With --follow: stop after this many refreshes")->check(CLI::NonNegativeNumber);
  app.add_flag("--no-color", no_color, "No colour (also: NO_COLOR=1)");
  app.add_flag("--color", force_color, "Colour even when stdout is not a terminal");
  app.add_flag("--utc", options.utc, "Times in UTC instead of local time");
  app.set_version_flag("-V,--version", std::string("jobmon-snapshot ") + version_string);
  app.footer("Exit codes: 0 ok, 1 runtime error (missing or unreadable work dir), 2 usage error.\n"
             "Corrupt or torn lines are skipped, counted in skipped_lines and reported on stderr.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
  }
  options.color = no_color ? ColorMode::never : force_color ? ColorMode::always : ColorMode::automatic;
  try {
    return run_snapshot_command(options, std::cout, std::cerr);
  } catch (const UsageError& e) {
    std::cerr << "jobmon-snapshot: " << e.what() << "\nRun with --help for usage.\n";
    return static_cast<int>(ExitCode::usage);
  } catch (const std::exception& e) {
    std::cerr << "jobmon-snapshot: " << e.what() << '\n';
    return static_cast<int>(ExitCode::runtime_error);
  }
}
