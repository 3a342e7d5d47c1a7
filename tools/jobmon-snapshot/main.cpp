// jobmon-snapshot: state of a Data-Juicer job from its work dir. Flags only;
// the work is jobmon::run_snapshot_command.
#include <CLI/CLI.hpp>

#include "color_flags.hpp"
#include "jobmon/cli/snapshot_command.hpp"
#include "jobmon/version.hpp"
#include "tool_main.hpp"

int main(int argc, char** argv) {
  using namespace jobmon;
  CLI::App app{"Snapshot of a Data-Juicer job: reads events*.jsonl, dag_execution_plan.json and\n"
               "job_summary.json in WORK_DIR. Prints JSON on stdout (the reference snapshot's keys\n"
               "plus jobmon's), or a report with --human-readable.",
               "jobmon-snapshot"};
  SnapshotCommandOptions options;
  tools::ColorFlags color;
  app.add_option("work_dir", options.work_dir, "The job's work dir (holds events*.jsonl)");
  app.add_flag("-H,--human-readable,--human_readable", options.human_readable, "Human-readable report instead of JSON");
  app.add_option("--list", options.list_root, "List every job under this outputs root (table; JSON with --json)");
  app.add_flag("--json", options.json_list, "With --list: JSON instead of a table");
  app.add_flag("-f,--follow", options.follow,
               "Re-render as the job runs, reading only appended events (with --list: the list). Outside a\n"
               "terminal a frame is printed only when something changed");
  app.add_option("-i,--interval", options.interval_seconds, "Seconds between refreshes with --follow (default 2)");
  app.add_option("--count", options.max_refreshes, "With --follow: stop after this many refreshes (reads)")->check(CLI::NonNegativeNumber);
  tools::add_color_flags(app, color);
  app.add_flag("--utc", options.utc, "Times in UTC instead of local time");
  app.set_version_flag("-V,--version", std::string("jobmon-snapshot ") + version_string);
  app.footer("Exit codes: 0 ok, 1 runtime error (missing or unreadable work dir, an events file that\n"
             "cannot be read: named on stderr), 2 usage error.\n"
             "Lines that are not events (blank, corrupt, torn...) are skipped, counted in skipped_lines\n"
             "and reported on stderr, with the analyzer's warnings.");
  return tools::run_tool(
      app, argc, argv,
      [&] {
        options.color = color.mode();
        return run_snapshot_command(options, Console::standard());
      },
      "Run with --help for usage.");
}
