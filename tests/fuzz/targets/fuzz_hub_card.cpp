// Dataset cards (README.md) read from the Hub: the num_examples lookup in
// the YAML header, and the progress block jobmon writes back into the card.
// Updating twice must give the same card (the block is replaced, not added).
#include <cctype>

#include "fuzz_input.hpp"
#include "jobmon/error.hpp"
#include "jobmon/hub/hub_card.hpp"
#include "jobmon/hub/hub_progress.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = jobmon::fuzz::sections(jobmon::fuzz::as_text(data, size), 3);
  const std::string_view readme = parts.back();
  const std::string config = parts.size() > 1 ? std::string(parts[0]) : "default";
  const std::string split = parts.size() > 2 ? std::string(parts[1]) : "train";
  (void)jobmon::card_num_examples(readme, config, split);
  // The card is the outside input; the config name (--config) and the
  // stopped reason come from jobmon's own user, so they stay plain here.
  std::string config_name;
  for (char c : config) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') config_name += c;
  }
  if (config_name.empty()) config_name = "default";
  (void)jobmon::card_num_examples(readme, "default", "");

  jobmon::fuzz::Prng prng(readme);
  jobmon::CardProgress progress;
  progress.config = config_name;
  progress.total = static_cast<std::int64_t>(prng.next() >> (prng.below(64)));
  progress.rows = static_cast<std::int64_t>(prng.below(static_cast<std::uint64_t>(progress.total) + 2));
  progress.state = static_cast<jobmon::CardState>(prng.below(3));
  if (prng.below(2) != 0) progress.remaining_seconds = static_cast<double>(prng.below(1u << 30));
  progress.now = 1.7e9 + static_cast<double>(prng.below(1u << 30));
  progress.stopped_reason = "slurm job 42 is no longer listed";
  try {
    const std::string once = jobmon::update_card(readme, progress);
    const std::string twice = jobmon::update_card(once, progress);
    if (once != twice && !jobmon::fuzz::tolerated("card-markers")) jobmon::fuzz::fail("update_card is not idempotent", once + "\n----\n" + twice);
  } catch (const jobmon::FormatError&) {
  }
  return 0;
}
