#include "tool_main.hpp"

#include <algorithm>
#include <exception>
#include <iostream>

#include "jobmon/cli/render.hpp"
#include "jobmon/error.hpp"

namespace jobmon::tools {

namespace {

// Parses with `parse` (--help and --version print and exit 0, a bad command
// line exits 2), then runs and maps what `run` throws to an exit code.
template <class Parse>
int parse_and_run(CLI::App& app, Parse&& parse, const std::function<ExitCode()>& run, std::string_view usage_hint) {
  try {
    parse();
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, as successes.
    return app.exit(e) == 0 ? static_cast<int>(ExitCode::ok) : static_cast<int>(ExitCode::usage);
  }
  try {
    return static_cast<int>(run());
  } catch (const UsageError& e) {
    std::cerr << app.get_name() << ": " << terminal_safe(e.what()) << '\n';  // may quote a path or a server
    if (!usage_hint.empty()) std::cerr << usage_hint << '\n';
    return static_cast<int>(ExitCode::usage);
  } catch (const std::exception& e) {
    std::cerr << app.get_name() << ": " << terminal_safe(e.what()) << '\n';
    return static_cast<int>(ExitCode::runtime_error);
  }
}

}  // namespace

int run_tool(CLI::App& app, int argc, char** argv, const std::function<ExitCode()>& run,
             std::string_view usage_hint) {
  return parse_and_run(app, [&] { app.parse(argc, argv); }, run, usage_hint);
}

int run_tool(CLI::App& app, std::vector<std::string> args, const std::function<ExitCode()>& run,
             std::string_view usage_hint) {
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
  return parse_and_run(app, [&] { app.parse(args); }, run, usage_hint);
}

std::vector<std::string> arguments(int argc, char** argv) {
  return argc > 1 ? std::vector<std::string>(argv + 1, argv + argc) : std::vector<std::string>{};
}

}  // namespace jobmon::tools
