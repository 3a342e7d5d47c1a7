// Data-Juicer jobs from Python: snapshot(), Snapshot (incremental), list_jobs, load_events.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <mutex>

#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "json_to_python.hpp"
#include "registration.hpp"

namespace py = pybind11;

namespace jobmon::python {
namespace {


std::string snapshot_repr(const Snapshot& s) {
  const std::string id = s.job_id.empty() ? base_name(s.work_dir) : s.job_id;
  return fmt::format("<jobmon.Snapshot {} {} {:.1f}% ({}/{} partitions, {}/{} operations)>", id,
                     to_string(s.overall_status), s.overall_percentage, s.completed_partitions, s.total_partitions,
                     s.completed_operations, s.total_operations);
}

// A SnapshotAnalyzer shared by Python threads: update() runs without the GIL.
struct LockedAnalyzer {
  LockedAnalyzer(const std::string& dir, std::shared_ptr<const Storage> storage) : analyzer(dir, std::move(storage)) {}
  Snapshot snapshot(double now) {
    py::gil_scoped_release release;
    std::lock_guard lock(mutex);
    return analyzer.snapshot(now);
  }
  SnapshotAnalyzer analyzer;
  std::mutex mutex;
};

}  // namespace

void register_snapshot(py::module_& m) {
  py::class_<LockedAnalyzer>(m, "Snapshot",
                               "A Data-Juicer work dir followed incrementally: update() reads only what was appended.")
      .def(py::init([](const py::object& work_dir) {
             const std::string dir = fs_bytes(work_dir);
             return std::make_unique<LockedAnalyzer>(dir, storage_for(dir));
           }),
           py::arg("work_dir"))
      .def(
          "update", [](LockedAnalyzer& a) {
            py::gil_scoped_release release;
            std::lock_guard lock(a.mutex);
            a.analyzer.update();
          },
          "Read the lines appended since the last call (a torn last line waits for its newline).")
      .def(
          "finish", [](LockedAnalyzer& a) {
            py::gil_scoped_release release;
            std::lock_guard lock(a.mutex);
            a.analyzer.finish();
          },
          "Also use an unterminated last line when it is complete JSON (one-shot reads).")
      .def(
          "to_dict", [](LockedAnalyzer& a, std::optional<double> now) {
            return to_python(to_json(a.snapshot(now.value_or(wall_clock_now()))));
          },
          py::arg("now") = py::none(), "The document jobmon-snapshot prints, as a dict.")
      .def_property_readonly("work_dir", [](LockedAnalyzer& a) { return a.analyzer.work_dir(); })
      .def_property_readonly("status", [](LockedAnalyzer& a) {
        return std::string(to_string(a.snapshot(wall_clock_now()).overall_status));
      })
      .def("__repr__", [](LockedAnalyzer& a) { return snapshot_repr(a.snapshot(wall_clock_now())); });

  m.def(
      "snapshot", [](const py::object& work_dir, std::optional<double> now) {
        const std::string dir = fs_bytes(work_dir);
        Snapshot s;
        {
          py::gil_scoped_release release;
          s = analyze_work_dir(dir, now.value_or(wall_clock_now()), storage_for(dir));
        }
        return to_python(to_json(s));
      },
      py::arg("work_dir"), py::arg("now") = py::none(),
      "Analyse a Data-Juicer work dir: the dict jobmon-snapshot prints.");
  m.def(
      "list_jobs", [](const py::object& root, std::optional<double> now) {
        const std::string dir = fs_bytes(root);
        std::vector<JobListing> jobs;
        {
          py::gil_scoped_release release;
          jobs = list_jobs(dir, now.value_or(wall_clock_now()), storage_for(dir));
        }
        return to_python(to_json(jobs));
      },
      py::arg("root"), py::arg("now") = py::none(), "Every Data-Juicer job under an outputs root, with its status.");
  m.def(
      "load_events", [](const py::object& work_dir, std::size_t max_events) {
        const std::string dir = fs_bytes(work_dir);
        std::vector<boost::json::object> events;
        {
          py::gil_scoped_release release;
          events = load_events(dir, max_events, storage_for(dir));
        }
        py::list out;
        for (const auto& e : events) out.append(to_python(e));
        return out;
      },
      py::arg("work_dir"), py::arg("max_events") = 0,
      "Every parseable event of a work dir (job configs dropped), in order.");
}

}  // namespace jobmon::python
