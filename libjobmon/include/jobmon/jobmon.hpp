// Umbrella header of the core library: everything public of core, storage,
// datatrove, datajuicer and hub. The executables' rooms are apart:
// jobmon/server/server.hpp for the web server, jobmon/cli/*.hpp for the
// terminal and the commands behind the tools.
#pragma once

#include "jobmon/clock.hpp"
#include "jobmon/datajuicer/snapshot.hpp"
#include "jobmon/datajuicer/snapshot_events.hpp"
#include "jobmon/datatrove/aggregator.hpp"
#include "jobmon/datatrove/job.hpp"
#include "jobmon/datatrove/job_status.hpp"
#include "jobmon/datatrove/json.hpp"
#include "jobmon/datatrove/scanner.hpp"
#include "jobmon/datatrove/summary_line.hpp"
#include "jobmon/error.hpp"
#include "jobmon/eta.hpp"
#include "jobmon/format.hpp"
#include "jobmon/hub/hub_card.hpp"
#include "jobmon/hub/hub_client.hpp"
#include "jobmon/hub/hub_progress.hpp"
#include "jobmon/hub/parquet_footer.hpp"
#include "jobmon/hub/squeue.hpp"
#include "jobmon/job_state.hpp"
#include "jobmon/scheduler/scheduler_query.hpp"
#include "jobmon/scheduler/scheduler_task.hpp"
#include "jobmon/scheduler/slurm_query.hpp"
#include "jobmon/json.hpp"
#include "jobmon/storage/glob.hpp"
#include "jobmon/storage/s3_config.hpp"
#include "jobmon/storage/s3_storage.hpp"
#include "jobmon/storage/storage.hpp"
#include "jobmon/storage/storage_factory.hpp"
#include "jobmon/version.hpp"
