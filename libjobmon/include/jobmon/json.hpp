// The JSON writer every room uses: stable key order, numbers in their
// shortest form, null for what JSON cannot hold. Each room writes its own
// types (jobmon/datatrove/json.hpp, the Data-Juicer snapshot's to_json, the
// web API); the core's own type, EtaEstimate, is here.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "jobmon/eta.hpp"

namespace jobmon {

boost::json::value to_json(const EtaEstimate& eta);

// Serialises with a stable key order (insertion order) and two-space indent.
// The text is always valid UTF-8: strings that are not (directory names are
// bytes) have each stray byte written as \udcXX, Python's surrogateescape
// (json.loads then os.fsencode gives the bytes back).
std::string to_pretty_json(const boost::json::value& value);
// The same without whitespace (for HTTP answers and event streams).
std::string to_compact_json(const boost::json::value& value);

}  // namespace jobmon
