// What datatrove wrote for Slurm, read from a job dir: the launch script's
// #SBATCH lines, slurm log names, and hostile or broken files (never a
// crash, a hang or a guess).
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "datatrove/slurm/slurm_launch.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "temp_tree.hpp"

using namespace jobmon;
using namespace jobmon::detail;

TEST_CASE("#SBATCH lines in every spelling sbatch takes", "[datatrove]") {
  const LaunchScript s = parse_launch_script(
      "#!/bin/bash\n#SBATCH --job-name=tok_x\n#SBATCH -o \"/data/slurm logs/%A_%a.out\"\n"
      "#SBATCH --array 0-99%8\n# SBATCH --job-name=commented\nsrun --job-name=not-sbatch x\n");
  CHECK(s.job_name == "tok_x");
  CHECK(s.output == "/data/slurm logs/%A_%a.out");
  CHECK(s.array == "0-99%8");
  const LaunchScript short_forms = parse_launch_script("#SBATCH -Jname\n#SBATCH -a 3,5\n#SBATCH --output=o/%j.out\r\n");
  CHECK(short_forms.job_name == "name");
  CHECK(short_forms.array == "3,5");
  CHECK(short_forms.output == "o/%j.out");
  CHECK(parse_launch_script("").job_name.empty());
  CHECK(parse_launch_script("#SBATCH\n#SBATCH --job-name\n").job_name.empty());
}

TEST_CASE("Slurm log names: <array>_<index>.out only", "[datatrove]") {
  CHECK(parse_slurm_log_name("98215_42.out") == std::make_pair(std::string("98215"), std::int64_t{42}));
  CHECK(parse_slurm_log_name("1_0.out") == std::make_pair(std::string("1"), std::int64_t{0}));
  for (const char* bad : {"98215_42.err", "98215.out", "_4.out", "x_4.out", "4_.out", "4_x.out", "4_-1.out",
                          "4_1_2.out", "4_1.out.tmp", "4_99999999999.out", "\x1b[31m_1.out", "4_1\xff.out", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_slurm_log_name(bad));
  }
}

TEST_CASE("Broken and hostile Slurm files beside a job: warnings where something was expected, never a guess",
          "[datatrove]") {
  test::TempTree t;
  t.make_job("tok", 4, {0});
  t.write("tok/executor.json", R"({"job_name": "tok", "tasks_per_job": 2, "slurm_logs_folder": null, "world_size": 4})");
  t.mkdir("tok/slurm_logs");
  t.write("tok/slurm_logs/5_0.out", "");
  t.write("tok/slurm_logs/5_1\x1b]0;x\a.out", "");
  t.write("tok/slurm_logs/\xff\xfe_1.out", "");
  t.symlink("5_0.out", "tok/slurm_logs/5_7.out");  // a link is not a log Slurm wrote
  REQUIRE(mkfifo(t.path("tok/slurm_logs/5_2.out").c_str(), 0600) == 0);
  t.mkdir("tok/launch_script.slurm");  // a directory where the script should be
  SECTION("ranks_to_run.json that is not a list of this job's ranks") {
    for (const char* bad : {"[0, 1, 9]", "{\"a\": 1}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
                            "[0, -1]", "[0, 1.5]", "", "[0, 1"}) {
      INFO(bad);
      t.write("tok/ranks_to_run.json", bad);
      Scanner scanner(std::make_shared<LocalStorage>());
      const ScanResult scan = scanner.scan({t.path("tok")});
      REQUIRE(scan.jobs.size() == 1);
      const JobState& job = *scan.jobs[0];
      CHECK(job.slurm.launched_on_slurm);
      CHECK_FALSE(job.slurm.has_ranks_to_run);
      CHECK(job.slurm.ranks_to_run.empty());
      bool warned = false;
      for (const auto& w : job.warnings) warned = warned || w.message.find("ranks_to_run.json") != std::string::npos;
      CHECK(warned);
      REQUIRE(job.slurm.logs.size() == 1);  // only 5_0.out is a regular file with a log's name
      CHECK(job.slurm.logs[0].index == 0);
      CHECK(job.slurm.tasks_per_job == 2);
    }
  }
  SECTION("a slurm logs dir that is a symlink loop, and a FIFO ranks_to_run.json") {
    t.remove("tok/slurm_logs/5_2.out");
    t.remove("tok/slurm_logs/5_7.out");
    t.remove("tok/slurm_logs/5_0.out");
    t.remove("tok/slurm_logs/5_1\x1b]0;x\a.out");
    t.remove("tok/slurm_logs/\xff\xfe_1.out");
    t.remove("tok/slurm_logs");
    t.symlink("slurm_logs", "tok/slurm_logs");
    REQUIRE(mkfifo(t.path("tok/ranks_to_run.json").c_str(), 0600) == 0);
    Scanner scanner(std::make_shared<LocalStorage>());
    const ScanResult scan = scanner.scan({t.path("tok")});
    REQUIRE(scan.jobs.size() == 1);
    const JobState& job = *scan.jobs[0];
    CHECK(job.slurm.launched_on_slurm);  // executor.json has Slurm's keys
    CHECK_FALSE(job.slurm.has_ranks_to_run);  // a FIFO is not read (it would block)
    CHECK(job.slurm.logs.empty());
    bool warned = false;
    for (const auto& w : job.warnings) warned = warned || w.message.find("slurm logs not readable") != std::string::npos;
    CHECK(warned);
  }
}
