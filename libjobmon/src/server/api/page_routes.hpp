// The job page's own routes, beside WebApi's (web_api.cpp dispatches here
// first, after its refusal checks):
//   /api/warnings                      dirs that are not jobs, broken executor.json
//   /api/resources/history             the host's recent samples (a ring buffer)
//   /api/jobs/<id>/log-files           every log file, newest first, and which one to open
//   /api/jobs/<id>/log?file=&offset=   a log's tail, or what was appended since offset
//   /api/jobs/<id>/steps               per-step figures from stats files, executor.json preview
#pragma once

#include <optional>

#include "jobmon/server/web_api.hpp"

namespace jobmon::detail {

// The answer when the request is one of these routes; nothing otherwise.
std::optional<HttpResponse> page_route(const HttpRequest& request, JobRegistry& registry, HostResources& resources,
                                       const WebApiOptions& options);

}  // namespace jobmon::detail
