// Prints the summary line for the job dirs given on the command line, using
// only jobmon's public API.
#include <iostream>
#include <jobmon/jobmon.hpp>

int main(int argc, char** argv) {
  std::vector<std::string> targets(argv + 1, argv + argc);
  jobmon::Scanner scanner(std::make_shared<jobmon::LocalStorage>());
  const auto scan = scanner.scan(targets);
  const auto agg = jobmon::aggregate(scan.jobs, jobmon::wall_clock_now());
  std::cout << "jobmon " << jobmon::version_string << ": " << jobmon::render_summary_line(agg.totals) << '\n';
  return 0;
}
