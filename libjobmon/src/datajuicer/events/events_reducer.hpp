// LineReducer: streams one long JSON line through a tiny state machine and
// keeps it without the values of the top-level keys that carry a job's whole
// configuration (`config`, `op_args`), which become null. The events we need
// are small; only those values make a job_start line huge.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace jobmon::detail {

class LineReducer {
 public:
  void reset(std::size_t limit);
  void feed(std::string_view piece);
  // The reduced text; `overflow()` says it hit the limit and is unusable.
  const std::string& text() const { return out_; }
  bool overflow() const { return overflow_; }
  std::size_t input_size() const { return input_size_; }

 private:
  enum class State { normal, skip_ws, skip_nested, skip_string, skip_scalar };
  void emit(char c);
  void normal(char c);
  static bool is_dropped_key(std::string_view key);

  std::string out_;
  std::string key_;
  std::size_t limit_ = 0;
  std::size_t input_size_ = 0;
  bool overflow_ = false;
  State state_ = State::normal;
  int depth_ = 0;         // open objects/arrays in the kept text
  int skip_depth_ = 0;    // open objects/arrays inside a dropped value
  bool in_string_ = false;
  bool escape_ = false;
  bool capturing_key_ = false;
};

}  // namespace jobmon::detail
