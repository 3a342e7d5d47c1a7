#include "tool_main.hpp"

#include <exception>
#include <iostream>

#include "jobmon/error.hpp"

namespace jobmon::tools {

int run_tool(CLI::App& app, int argc, char** argv, const std::function<ExitCode()>& run,
             std::string_view usage_hint) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version arrive here too, as successes.
    return app.exit(e) == 0 ? static_cast<int>(ExitCode::ok) : static_cast<int>(ExitCode::usage);
  }
  try {
    return static_cast<int>(run());
  } catch (const UsageError& e) {
    std::cerr << app.get_name() << ": " << e.what() << '\n';
    if (!usage_hint.empty()) std::cerr << usage_hint << '\n';
    return static_cast<int>(ExitCode::usage);
  } catch (const std::exception& e) {
    std::cerr << app.get_name() << ": " << e.what() << '\n';
    return static_cast<int>(ExitCode::runtime_error);
  }
}

}  // namespace jobmon::tools
