#include "server/http/answer_cache.hpp"

#include <algorithm>

namespace jobmon::detail {

std::optional<AnswerCache::Answer> AnswerCache::find(const std::string& key, const std::shared_ptr<const void>& state,
                                                     double refreshed) {
  const std::lock_guard lock(mutex_);
  for (const auto& slot : slots_) {
    if (slot.key == key && slot.refreshed == refreshed && slot.state.lock() == state) return slot.answer;
  }
  return std::nullopt;
}

void AnswerCache::store(const std::string& key, const std::shared_ptr<const void>& state, double refreshed, Answer answer) {
  if (!answer.body || answer.body->size() > max_body_bytes_ || capacity_ == 0) return;
  const std::lock_guard lock(mutex_);
  // Stale slots (an older registry state) and this key's previous answer go first.
  std::erase_if(slots_, [&](const Slot& s) { return s.state.expired() || s.refreshed != refreshed || s.key == key; });
  if (slots_.size() >= capacity_) slots_.erase(slots_.begin());
  slots_.push_back(Slot{key, state, refreshed, std::move(answer)});
}

}  // namespace jobmon::detail
