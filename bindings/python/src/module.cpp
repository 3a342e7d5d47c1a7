// The compiled part of the Python package: jobmon._jobmon.
#include <pybind11/pybind11.h>

#include "jobmon/version.hpp"
#include "registration.hpp"

PYBIND11_MODULE(_jobmon, m) {
  m.doc() = "Compiled core of the jobmon package (use `import jobmon`).";
  m.attr("__version__") = jobmon::version_string;
  jobmon::python::register_errors(m);
  jobmon::python::register_eta(m);
  jobmon::python::register_jobs(m);
  jobmon::python::register_parquet(m);
  jobmon::python::register_snapshot(m);
  jobmon::python::register_training(m);
}
