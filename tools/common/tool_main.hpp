// The one way every jobmon executable turns a command line into an exit
// code: parse, run the command, map what it throws.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "jobmon/cli/exit_code.hpp"

namespace jobmon::tools {

// Parses argv into `app` (--help and --version print and exit 0; a bad
// command line prints CLI11's message and exits 2), then returns what `run`
// returns. What `run` throws is printed as "<app name>: <what>" on stderr:
// a UsageError exits 2 (followed by `usage_hint` on its own line when given),
// any other exception exits 1.
int run_tool(CLI::App& app, int argc, char** argv, const std::function<ExitCode()>& run,
             std::string_view usage_hint = {});
// The same for a command line the tool rewrote first: `args` are the
// arguments after the program name.
int run_tool(CLI::App& app, std::vector<std::string> args, const std::function<ExitCode()>& run,
             std::string_view usage_hint = {});

// argv[1..argc) as strings, for the tools that rewrite their command line.
std::vector<std::string> arguments(int argc, char** argv);

}  // namespace jobmon::tools
