// Boost.JSON values to Python objects (dict/list/str/int/float/bool/None),
// so every result's to_dict() is exactly the CLI's JSON schema, and the one
// convention for bytes that are not UTF-8 (names on disk are bytes).
#pragma once

#include <pybind11/pybind11.h>

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace jobmon::python {

// Text from the engine as Python str, decoded the way os.fsdecode does
// ("surrogateescape"): each byte that is not UTF-8 becomes U+DC80+byte, so
// os.fsencode(text) gives the bytes back, and the str equals what json.loads
// reads from jobmon-status --json (which writes those bytes as \udcXX).
pybind11::str fs_text(std::string_view bytes);

// The other way: a str (surrogates from os.fsdecode allowed), bytes, or an
// os.PathLike of either, as the bytes the engine takes. TypeError otherwise.
std::string fs_bytes(pybind11::handle path);

// Every string in `value` (keys included) goes through fs_text.
pybind11::object to_python(const boost::json::value& value);

}  // namespace jobmon::python
