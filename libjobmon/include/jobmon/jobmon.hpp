// Umbrella header: the whole public API of libjobmon.
#pragma once

#include "jobmon/aggregator.hpp"
#include "jobmon/clock.hpp"
#include "jobmon/error.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/exit_code.hpp"
#include "jobmon/glob.hpp"
#include "jobmon/job.hpp"
#include "jobmon/json.hpp"
#include "jobmon/render.hpp"
#include "jobmon/scanner.hpp"
#include "jobmon/status_command.hpp"
#include "jobmon/status_view.hpp"
#include "jobmon/storage.hpp"
#include "jobmon/version.hpp"
