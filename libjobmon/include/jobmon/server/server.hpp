// Umbrella header of the server room: what jobmon-serve is built from (the
// job registry, the HTTP-independent web API and event stream, host resources,
// the HTTP server and run_server).
#pragma once

#include "jobmon/server/event_stream.hpp"
#include "jobmon/server/host_resources.hpp"
#include "jobmon/server/http_server.hpp"
#include "jobmon/server/job_registry.hpp"
#include "jobmon/server/metrics.hpp"
#include "jobmon/server/serve.hpp"
#include "jobmon/server/web_api.hpp"
