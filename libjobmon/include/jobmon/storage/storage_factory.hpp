// Picks the Storage for a path: S3Storage for "s3://bucket/prefix" (configured
// the AWS way from the environment), LocalStorage for everything else.
//
// The one rule for a null Storage: wherever the API takes a
// std::shared_ptr<const Storage> (Scanner, SnapshotAnalyzer, analyze_work_dir,
// list_jobs, load_events), null means "resolve it from the paths" through
// these functions: storage_for for one path, storage_for_targets for a
// Scanner's targets.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "jobmon/storage/storage.hpp"

namespace jobmon {

// One storage for a target. For s3:// it is configured from the environment
// and ~/.aws; throws UsageError for a malformed URL or configuration.
std::shared_ptr<Storage> storage_for(const std::string& target);

// One storage serving all targets, checked up front: for S3 the fixed part of
// every target is listed once, so a missing bucket, denied access or bad
// credentials fail with a clear StorageError before any scan starts (that
// listing is kept and answers the scan's first look at the target). Mixing
// local and s3:// targets in one call is a UsageError.
std::shared_ptr<Storage> storage_for_targets(const std::vector<std::string>& targets);

// The part of a target before its first glob component ("s3://b/run/*/x" ->
// "s3://b/run").
std::string fixed_prefix(const std::string& target);

}  // namespace jobmon
