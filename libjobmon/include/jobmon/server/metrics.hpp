// /metrics: the registry's jobs in Prometheus' text format (0.0.4) or
// OpenMetrics 1.0, named per the Prometheus guide: base units, `_total`
// only on counters, a job's state as a state set (one series per state word,
// 1 for the current one, so a job keeps its series across state changes),
// kinds apart (datatrove ranks, Data-Juicer partition-operations). README's
// "Metrics" table lists every metric with its type and labels.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "jobmon/server/job_registry.hpp"

namespace jobmon {

struct MetricsOptions {
  bool openmetrics = false;  // Accept: application/openmetrics-text
  // Complete jobs that finished longer ago than this are left out (bounded
  // series on a long-running server); none: all are kept.
  std::optional<double> drop_complete_after_seconds;
  // --deadline NAME_PREFIX=TIME: jobs whose name starts with the prefix get
  // jobmon_job_deadline_timestamp_seconds (the JobWillMissDeadline rule).
  std::vector<std::pair<std::string, double>> deadlines;
};

// What the registry says besides its entries.
struct MetricsInputs {
  const std::vector<RegistryEntry>* entries = nullptr;
  std::size_t warnings = 0;
  double last_refresh = 0;                       // epoch seconds
  std::optional<double> refresh_duration_seconds;
};

std::string render_metrics(const MetricsInputs& inputs, const MetricsOptions& options);

// The content type for each format.
const char* metrics_content_type(bool openmetrics);
// Whether an Accept header asks for OpenMetrics.
bool accepts_openmetrics(const std::string& accept);

}  // namespace jobmon
