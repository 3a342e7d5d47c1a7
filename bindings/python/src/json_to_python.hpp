// Boost.JSON values to Python objects (dict/list/str/int/float/bool/None),
// so every result's to_dict() is exactly the CLI's JSON schema.
#pragma once

#include <pybind11/pybind11.h>

#include <boost/json/value.hpp>

namespace jobmon::python {

pybind11::object to_python(const boost::json::value& value);

}  // namespace jobmon::python
