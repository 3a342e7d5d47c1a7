#include "json_to_python.hpp"

namespace py = pybind11;

namespace jobmon::python {

py::str fs_text(std::string_view bytes) {
  PyObject* text = PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), "surrogateescape");
  if (text == nullptr) throw py::error_already_set();
  return py::reinterpret_steal<py::str>(text);
}

std::string fs_bytes(py::handle path) {
  py::object p = py::reinterpret_borrow<py::object>(path);
  if (!PyUnicode_Check(p.ptr()) && !PyBytes_Check(p.ptr())) {
    PyObject* fspath = PyOS_FSPath(p.ptr());  // os.PathLike -> str or bytes; TypeError otherwise
    if (fspath == nullptr) throw py::error_already_set();
    p = py::reinterpret_steal<py::object>(fspath);
  }
  if (PyBytes_Check(p.ptr())) return std::string(PyBytes_AS_STRING(p.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(p.ptr())));
  PyObject* encoded = PyUnicode_AsEncodedString(p.ptr(), "utf-8", "surrogateescape");
  if (encoded == nullptr) throw py::error_already_set();  // a surrogate os.fsdecode never makes
  const py::bytes bytes = py::reinterpret_steal<py::bytes>(encoded);
  return std::string(PyBytes_AS_STRING(bytes.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes.ptr())));
}

py::object to_python(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: return py::none();
    case boost::json::kind::bool_: return py::bool_(value.get_bool());
    case boost::json::kind::int64: return py::int_(value.get_int64());
    case boost::json::kind::uint64: return py::int_(value.get_uint64());
    case boost::json::kind::double_: return py::float_(value.get_double());
    case boost::json::kind::string: return fs_text(value.get_string());
    case boost::json::kind::array: {
      py::list list;
      for (const auto& item : value.get_array()) list.append(to_python(item));
      return list;
    }
    case boost::json::kind::object: {
      py::dict dict;
      for (const auto& kv : value.get_object()) dict[fs_text(kv.key())] = to_python(kv.value());
      return dict;
    }
  }
  return py::none();
}

}  // namespace jobmon::python
