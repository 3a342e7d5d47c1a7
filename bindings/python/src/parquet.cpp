// jobmon.parquet_num_rows / parquet_footer: the Parquet footer reader.
#include <pybind11/pybind11.h>

#include "jobmon/error.hpp"
#include "jobmon/hub/parquet_footer.hpp"
#include "jobmon/storage/storage.hpp"
#include "json_to_python.hpp"
#include "registration.hpp"

namespace py = pybind11;

namespace jobmon::python {
namespace {

ParquetFooter footer_of(const py::object& source) {
  if (py::isinstance<py::bytes>(source) || py::isinstance<py::bytearray>(source) ||
      py::isinstance<py::memoryview>(source)) {
    const std::string data = py::isinstance<py::memoryview>(source) ? std::string(py::bytes(source.attr("tobytes")()))
                                                                   : std::string(py::bytes(source));
    py::gil_scoped_release release;
    auto footer = parse_parquet_tail(data, data.size());
    if (!footer) throw FormatError("not a complete Parquet file: the footer is cut off");
    return *footer;
  }
  const std::string path = fs_bytes(source);
  py::gil_scoped_release release;
  LocalStorage storage;
  return read_parquet_footer(storage, path);
}

py::dict to_dict(const ParquetFooter& f) {
  py::dict d;
  d["num_rows"] = f.num_rows;
  d["row_groups"] = f.row_groups;
  d["created_by"] = f.created_by;
  d["version"] = f.version ? py::object(py::int_(*f.version)) : py::object(py::none());
  d["metadata_length"] = f.metadata_length;
  return d;
}

}  // namespace

void register_parquet(py::module_& m) {
  m.def("parquet_num_rows", [](const py::object& source) { return footer_of(source).num_rows; }, py::arg("source"),
        "Rows in a Parquet file (a path, os.PathLike, or the file's bytes), read from its footer only.");
  m.def("parquet_footer", [](const py::object& source) { return to_dict(footer_of(source)); }, py::arg("source"),
        "num_rows, row_groups, created_by, version and metadata_length of a Parquet file's footer.");
}

}  // namespace jobmon::python
