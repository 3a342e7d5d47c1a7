// AnswerCache: the last few filtered /api/jobs pages WebApi rendered, with
// their ETags, each valid for the registry state it was rendered from. A
// dashboard polling a filter every few seconds (or many tabs on one filter)
// then costs one walk over 10,000 jobs per refresh instead of one per request.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace jobmon::detail {

class AnswerCache {
 public:
  struct Answer {
    std::shared_ptr<const std::string> body;
    std::string etag;
  };

  // `capacity` answers at most, none over `max_body_bytes` (a 100,000-job page is not kept).
  explicit AnswerCache(std::size_t capacity = 16, std::size_t max_body_bytes = 1 << 20)
      : capacity_(capacity), max_body_bytes_(max_body_bytes) {}

  // The answer stored under `key` for this state: `state` (the registry's
  // immutable entry list, compared by identity while it lives) and `refreshed`
  // (the refresh time the page prints) must both be the ones it was made from.
  std::optional<Answer> find(const std::string& key, const std::shared_ptr<const void>& state, double refreshed);
  void store(const std::string& key, const std::shared_ptr<const void>& state, double refreshed, Answer answer);

 private:
  struct Slot {
    std::string key;
    std::weak_ptr<const void> state;  // expired: a refresh replaced it, the slot is stale
    double refreshed = 0;
    Answer answer;
  };
  std::size_t capacity_, max_body_bytes_;
  std::mutex mutex_;
  std::vector<Slot> slots_;  // the most recently stored last
};

}  // namespace jobmon::detail
