// One registration function per area of the Python module.
#pragma once

#include <pybind11/pybind11.h>

namespace jobmon::python {

void register_errors(pybind11::module_& m);
void register_eta(pybind11::module_& m);
void register_jobs(pybind11::module_& m);
void register_parquet(pybind11::module_& m);
void register_snapshot(pybind11::module_& m);
void register_training(pybind11::module_& m);

}  // namespace jobmon::python
