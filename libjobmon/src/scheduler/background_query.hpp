// A query that asks in the background: a refresh gets the answer at hand at
// once while a fresh one is asked on a thread of its own, so a dashboard
// never waits seconds on a big cluster's sacct. The first question, and one
// about ids the answer at hand does not cover, are still answered before the
// refresh goes on: the screen never shows a rank "running" because the
// scheduler's word on it has not come yet.
#pragma once

#include <memory>

#include "jobmon/scheduler/scheduler_query.hpp"

namespace jobmon::detail {

// `inner` is only ever used by one thread at a time. A new answer is asked
// when the one at hand is `refresh_seconds` old.
std::unique_ptr<SchedulerQuery> ask_in_background(std::unique_ptr<SchedulerQuery> inner, double refresh_seconds);

}  // namespace jobmon::detail
