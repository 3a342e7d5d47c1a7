// jobmon.Eta: the EtaEstimator, with estimates as dicts.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "jobmon/clock.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/json.hpp"
#include "json_to_python.hpp"
#include "registration.hpp"

namespace py = pybind11;

namespace jobmon::python {

void register_eta(py::module_& m) {
  py::class_<EtaEstimator>(m, "Eta", "Rate, remaining time and finish time from (time, done) samples.")
      .def(py::init<double>(), py::arg("total"))
      .def("set_start", &EtaEstimator::set_start, py::arg("time"), py::arg("done_before") = 0.0,
           "When the work started (epoch seconds) and how much was already done then (not part of any rate).")
      .def("add", &EtaEstimator::add, py::arg("time"), py::arg("done"),
           "Add a sample: `done` units finished by `time` (epoch seconds).")
      .def("add_completions", &EtaEstimator::add_completions, py::arg("times"),
           "Add one unit per completion time (equal times are one batch).")
      .def_property_readonly("total", &EtaEstimator::total)
      .def_property_readonly("done", &EtaEstimator::done)
      .def(
          "linear", [](const EtaEstimator& e, std::optional<double> now) {
            return to_python(to_json(e.linear(now.value_or(wall_clock_now()))));
          },
          py::arg("now") = py::none(), "The reference tools' projection: remaining / (done / elapsed).")
      .def(
          "smoothed", [](const EtaEstimator& e, std::optional<double> now) {
            return to_python(to_json(e.smoothed(now.value_or(wall_clock_now()))));
          },
          py::arg("now") = py::none(), "Smoothed recent rate; grows while a job is stalled.")
      .def("__repr__", [](const EtaEstimator& e) {
        return "<jobmon.Eta " + std::to_string(static_cast<long long>(e.done())) + "/" +
               std::to_string(static_cast<long long>(e.total())) + ">";
      });
}

}  // namespace jobmon::python
