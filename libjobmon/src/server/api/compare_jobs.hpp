// Two jobs side by side (/api/compare?a=ID&b=ID): their summaries, how long
// each ran, their rates and failures, and per-step figures matched by step
// position (time and documents per step, and the ratio b/a), so two runs of
// one pipeline, or a run and its relaunch, can be read against each other.
#pragma once

#include <boost/json/value.hpp>

#include "jobmon/server/job_registry.hpp"
#include "jobmon/storage/storage.hpp"

namespace jobmon::detail {

boost::json::object compare_jobs(const RegistryEntry& a, const RegistryEntry& b, const Storage& storage, double now);

}  // namespace jobmon::detail
