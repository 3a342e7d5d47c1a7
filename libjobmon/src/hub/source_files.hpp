// Which Parquet files of an input dataset hold one config's split: the
// reference loads the dataset and counts its rows; jobmon sums the footers
// of the same files. Two places: the dataset's own tree, else the Hub's
// conversion (the `refs/convert/parquet` revision).
#pragma once

#include <string>
#include <vector>

#include "jobmon/hub/hub_client.hpp"

namespace jobmon::detail {

inline constexpr const char* converted_parquet_revision = "refs/convert/parquet";

// The split's *.parquet files in a dataset's own tree, the way the datasets
// library assigns data files to splits: a folder named after the split, or a
// file name with the split as a word ("train-00000-of-00002.parquet",
// "data/test.parquet"); when no file names any split, every file is "train".
// A config other than "default" counts only the files under `<config>/`.
std::vector<const HubFile*> tree_split_files(const std::vector<HubFile>& files, const std::string& config,
                                             const std::string& split);

// The split's files in the refs/convert/parquet revision: `<config>/<split>/*.parquet`
// (`partial-<split>/`, a conversion cut short, is not the whole split), or
// the older `<config>/<name>-<split>[-NNNNN-of-NNNNN].parquet`.
std::vector<const HubFile*> converted_split_files(const std::vector<HubFile>& files, const std::string& config,
                                                  const std::string& split);

}  // namespace jobmon::detail
