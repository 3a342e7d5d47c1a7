// jobmon::Error and subclasses become jobmon.Error and subclasses.
#include <pybind11/pybind11.h>

#include "jobmon/error.hpp"
#include "registration.hpp"

namespace py = pybind11;

namespace jobmon::python {

void register_errors(py::module_& m) {
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  static py::exception<StorageError> storage_error(m, "StorageError", error.ptr());
  static py::exception<FormatError> format_error(m, "FormatError", error.ptr());
  // A usage error is also a ValueError, so `except ValueError` works as Python users expect.
  static py::object usage_error = [&] {
    py::object bases = py::make_tuple(error, py::handle(PyExc_ValueError));
    py::object cls = py::reinterpret_steal<py::object>(
        PyErr_NewException("jobmon._jobmon.UsageError", bases.ptr(), nullptr));
    m.attr("UsageError") = cls;
    return cls;
  }();
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StorageError& e) {
      PyErr_SetString(storage_error.ptr(), e.what());
    } catch (const FormatError& e) {
      PyErr_SetString(format_error.ptr(), e.what());
    } catch (const UsageError& e) {
      PyErr_SetString(usage_error.ptr(), e.what());
    } catch (const Error& e) {
      PyErr_SetString(error.ptr(), e.what());
    }
  });
}

}  // namespace jobmon::python
