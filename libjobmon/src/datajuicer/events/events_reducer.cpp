#include "datajuicer/events/events_reducer.hpp"

namespace jobmon::detail {

void LineReducer::reset(std::size_t limit) {
  out_.clear();
  key_.clear();
  limit_ = limit;
  input_size_ = 0;
  overflow_ = false;
  state_ = State::normal;
  depth_ = skip_depth_ = 0;
  in_string_ = escape_ = capturing_key_ = false;
}

bool LineReducer::is_dropped_key(std::string_view key) { return key == "config" || key == "op_args"; }

void LineReducer::emit(char c) {
  if (out_.size() >= limit_) {
    overflow_ = true;
    return;
  }
  out_.push_back(c);
}

// Copies a byte of kept text, tracking strings and nesting so that a key of
// the top-level object (depth 1) is recognised when its ':' arrives.
void LineReducer::normal(char c) {
  emit(c);
  if (in_string_) {
    if (escape_) {
      escape_ = false;
    } else if (c == '\\') {
      escape_ = true;
    } else if (c == '"') {
      in_string_ = false;
      capturing_key_ = false;
      return;
    }
    if (capturing_key_ && key_.size() < 16) key_.push_back(c);
    return;
  }
  switch (c) {
    case '"':
      in_string_ = true;
      capturing_key_ = depth_ == 1;
      if (capturing_key_) key_.clear();
      break;
    case '{':
    case '[': ++depth_; break;
    case '}':
    case ']': --depth_; break;
    case ':':
      if (depth_ == 1 && is_dropped_key(key_)) {
        for (char n : std::string_view("null")) emit(n);
        state_ = State::skip_ws;
      }
      key_.clear();
      break;
    default: break;
  }
}

void LineReducer::feed(std::string_view piece) {
  input_size_ += piece.size();
  for (const char c : piece) {
    switch (state_) {
      case State::normal: normal(c); break;
      case State::skip_ws:
        if (c == ' ' || c == '\t' || c == '\r') break;
        if (c == '{' || c == '[') {
          state_ = State::skip_nested;
          skip_depth_ = 1;
          in_string_ = escape_ = false;
        } else if (c == '"') {
          state_ = State::skip_string;
          escape_ = false;
        } else {
          state_ = State::skip_scalar;
        }
        break;
      case State::skip_nested:
        if (in_string_) {
          if (escape_) escape_ = false;
          else if (c == '\\') escape_ = true;
          else if (c == '"') in_string_ = false;
        } else if (c == '"') {
          in_string_ = true;
        } else if (c == '{' || c == '[') {
          ++skip_depth_;
        } else if ((c == '}' || c == ']') && --skip_depth_ == 0) {
          state_ = State::normal;
        }
        break;
      case State::skip_string:
        if (escape_) escape_ = false;
        else if (c == '\\') escape_ = true;
        else if (c == '"') state_ = State::normal;
        break;
      case State::skip_scalar:
        if (c == ',' || c == '}' || c == ']') {
          state_ = State::normal;
          normal(c);
        }
        break;
    }
  }
}

}  // namespace jobmon::detail
