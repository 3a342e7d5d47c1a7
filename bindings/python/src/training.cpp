// Training runs from Python: training_run(path) and training_runs(targets),
// the dicts every tool writes for a run (to_json(TrainingRun)).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "jobmon/clock.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "jobmon/training/training_scanner.hpp"
#include "json_to_python.hpp"
#include "registration.hpp"

namespace py = pybind11;

namespace jobmon::python {
namespace {

// One path, or any iterable of paths, as the engine's byte strings.
std::vector<std::string> target_list(const py::object& targets) {
  std::vector<std::string> out;
  if (py::isinstance<py::str>(targets) || py::isinstance<py::bytes>(targets) || py::hasattr(targets, "__fspath__")) {
    out.push_back(fs_bytes(targets));
    return out;
  }
  for (const py::handle t : targets) out.push_back(fs_bytes(t));
  if (out.empty()) out.emplace_back(".");
  return out;
}

}  // namespace

void register_training(py::module_& m) {
  m.def(
      "training_run", [](const py::object& path, std::optional<double> now, bool points) {
        const std::string dir = fs_bytes(path);
        TrainingRun run;
        {
          py::gil_scoped_release release;
          run = read_training_run(*storage_for(dir), dir, now.value_or(wall_clock_now()));
        }
        return to_python(to_json(run, points));
      },
      py::arg("path"), py::kw_only(), py::arg("now") = py::none(), py::arg("points") = false,
      "Read one training run's dir (a Hugging Face Trainer output dir, TensorBoard event files, a Lightning "
      "CSVLogger version dir): the dict every jobmon tool writes for a run. points=True adds \"series\" "
      "(each metric's chart points, bounded). Raises StorageError when the dir cannot be listed.");
  m.def(
      "training_runs",
      [](const py::object& targets, const py::object& prefix, bool recursive, std::optional<double> now,
         bool points) {
        TrainingScanOptions options;
        options.prefix = fs_bytes(prefix);
        options.recursive = recursive;
        const std::vector<std::string> list = target_list(targets);
        TrainingScanResult result;
        {
          py::gil_scoped_release release;
          TrainingScanner scanner(storage_for_targets(list), options);
          result = scanner.scan(list, now.value_or(wall_clock_now()));
        }
        py::list out;
        for (const auto& run : result.runs) {
          if (run) out.append(to_python(to_json(*run, points)));
        }
        return out;
      },
      py::arg("targets"), py::kw_only(), py::arg("prefix") = "", py::arg("recursive") = false,
      py::arg("now") = py::none(), py::arg("points") = false,
      "Every training run under the targets (paths, dirs of runs, globs; local or s3://), by path: a list of the "
      "dicts training_run() returns. prefix keeps only subdirectories whose name starts with it; recursive looks "
      "below them too.");
}

}  // namespace jobmon::python
