// Umbrella header of the server room: what jobmon-serve is built from (the
// job registry, the HTTP-independent web API and event stream, host resources).
#pragma once

#include "jobmon/server/event_stream.hpp"
#include "jobmon/server/host_resources.hpp"
#include "jobmon/server/job_registry.hpp"
#include "jobmon/server/web_api.hpp"
