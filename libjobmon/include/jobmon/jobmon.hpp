// Umbrella header of the core: errors, clock, ETA, formatting, JSON, storage,
// datatrove, Data-Juicer and Hub. The terminal layer (jobmon/cli/) and the
// web server (jobmon/server/) build on it and are included on their own.
#pragma once

#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/error.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/format.hpp"
#include "jobmon/hub/hub_card.hpp"
#include "jobmon/hub/hub_client.hpp"
#include "jobmon/hub/hub_progress.hpp"
#include "jobmon/hub/parquet_footer.hpp"
#include "jobmon/hub/squeue.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/glob.hpp"
#include "jobmon/storage/storage.hpp"
#include "jobmon/version.hpp"
