#include "json_to_python.hpp"

namespace py = pybind11;

namespace jobmon::python {

py::object to_python(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null: return py::none();
    case boost::json::kind::bool_: return py::bool_(value.get_bool());
    case boost::json::kind::int64: return py::int_(value.get_int64());
    case boost::json::kind::uint64: return py::int_(value.get_uint64());
    case boost::json::kind::double_: return py::float_(value.get_double());
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      // Job names and log lines may hold bytes that are not UTF-8: replace, never raise.
      return py::reinterpret_steal<py::object>(
          PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace"));
    }
    case boost::json::kind::array: {
      py::list list;
      for (const auto& item : value.get_array()) list.append(to_python(item));
      return list;
    }
    case boost::json::kind::object: {
      py::dict dict;
      for (const auto& kv : value.get_object()) dict[py::str(std::string(kv.key()))] = to_python(kv.value());
      return dict;
    }
  }
  return py::none();
}

}  // namespace jobmon::python
