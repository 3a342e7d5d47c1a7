// A resumable scan of the root object's structure: members are skipped by
// bracket depth (strings respected), the list's elements handed out whole.
#include "scheduler/slurm/json_list_splitter.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace jobmon::detail {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The characters of a number, true, false or null.
bool is_scalar(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
}

// The first of p[from, n) that may change the scan's state: inside a string
// '"' or '\\'; outside one also a bracket ('[' and ']' differ from '{' and
// '}' by bit 0x20 alone). n when none. The careful way's scan: stretches of
// at most 64 bytes (block_masks takes the rest).
std::size_t next_special(const char* p, std::size_t from, std::size_t n, bool in_string) {
  for (std::size_t i = from; i < n; ++i) {
    const char c = p[i];
    if (c == '"' || c == '\\' || (!in_string && ((c | 0x20) == '{' || (c | 0x20) == '}'))) return i;
  }
  return n;
}

#if defined(__SSE2__)
// Where in 64 bytes the quotes, backslashes and brackets are, a bit each.
struct BlockMasks {
  std::uint64_t quote = 0, backslash = 0, bracket = 0;
};

BlockMasks block_masks(const char* p) {
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}'), to_curly = _mm_set1_epi8(0x20);
  BlockMasks m;
  for (int k = 0; k < 4; ++k) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i curly = _mm_or_si128(block, to_curly);
    const auto bits = [&](__m128i hits) {
      return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(hits))) << (16 * k);
    };
    m.quote |= bits(_mm_cmpeq_epi8(block, quote));
    m.backslash |= bits(_mm_cmpeq_epi8(block, backslash));
    m.bracket |= bits(_mm_or_si128(_mm_cmpeq_epi8(curly, open), _mm_cmpeq_epi8(curly, close)));
  }
  return m;
}

// Bit i: an odd number of the bits 0..i are set (inside a string, when the
// bits are its quotes: the opening quote inside, the closing one not).
std::uint64_t prefix_xor(std::uint64_t x) {
  for (int shift = 1; shift < 64; shift *= 2) x ^= x << shift;
  return x;
}
#endif

}  // namespace

JsonListSplitter::JsonListSplitter(std::string list_key, std::size_t padding, OnElement on_element, OnList on_list)
    : list_key_(std::move(list_key)),
      padding_(padding),
      on_element_(std::move(on_element)),
      on_list_(std::move(on_list)) {}

bool JsonListSplitter::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

void JsonListSplitter::compact() {
  const std::size_t keep = holding_ ? start_ : pos_;
  if (keep == 0) return;
  text_.erase(0, keep);
  pos_ -= keep;
  start_ = holding_ ? 0 : start_;
}

bool JsonListSplitter::feed(std::string_view piece) {
  if (!error_.empty()) return false;
  compact();
  // The element handed out must be readable `padding_` past its end.
  text_.reserve(text_.size() + piece.size() + padding_);
  text_.append(piece);
  return step();
}

bool JsonListSplitter::finish() {
  if (!error_.empty()) return false;
  if (at_ == At::end) return true;
  return fail(at_ == At::root ? "no JSON text" : "the text ends before the answer does");
}

bool JsonListSplitter::skip_value() {
  const char* p = text_.data();
  const std::size_t n = text_.size();
  if (!in_value_) {
    if (pos_ >= n) return false;
    const char c = p[pos_];
    if (c == '{' || c == '[') {
      open_.push_back(c);
      ++pos_;
    } else if (c == '"') {
      in_string_ = true;
      ++pos_;
    } else if (is_scalar(c)) {
      in_scalar_ = true;
    } else {
      return fail("unexpected character where a value starts");
    }
    in_value_ = true;
  }
  while (pos_ < n) {
#if defined(__SSE2__)
    // Inside a composite value, 64 bytes at a time: strings found from
    // their quotes at once, brackets outside them counted one by one. A
    // stretch with a backslash (Slurm writes none) takes the careful way.
    if (!open_.empty() && !escaped_ && pos_ + 64 <= n) {
      const BlockMasks m = block_masks(p + pos_);
      if (m.backslash == 0) {
        const std::uint64_t inside = prefix_xor(m.quote) ^ (in_string_ ? ~std::uint64_t{0} : 0);
        std::uint64_t brackets = m.bracket & ~inside;
        while (brackets != 0) {
          const auto k = static_cast<std::size_t>(__builtin_ctzll(brackets));
          brackets &= brackets - 1;
          if (!bracket(p[pos_ + k])) return false;
          if (open_.empty()) {  // the value's own closing bracket: outside any string
            pos_ += k + 1;
            in_string_ = false;
            in_value_ = false;
            return true;
          }
        }
        in_string_ = (inside >> 63) != 0;
        pos_ += 64;
        continue;
      }
    }
#endif
    if (careful_step(p, std::min(n, pos_ + 64))) break;
  }
  if (!error_.empty() || in_string_ || in_scalar_ || !open_.empty()) return false;  // broken, or the rest is to come
  in_value_ = false;
  return true;
}

bool JsonListSplitter::bracket(char c) {
  if (c == '{' || c == '[') {
    open_.push_back(c);
    return true;
  }
  if (open_.empty() || open_.back() != (c == '}' ? '{' : '[')) return fail("brackets that do not match");
  open_.pop_back();
  return true;
}

bool JsonListSplitter::careful_step(const char* p, std::size_t stop) {
  while (pos_ < stop) {
    if (in_scalar_) {
      if (is_scalar(p[pos_])) {
        ++pos_;
        continue;
      }
      in_scalar_ = false;  // the delimiter is the caller's
      return true;
    }
    if (escaped_) {  // the character after a backslash in a string
      escaped_ = false;
      ++pos_;
      continue;
    }
    pos_ = next_special(p, pos_, stop, in_string_);
    if (pos_ >= stop) return false;
    const char c = p[pos_++];
    if (c == '\\') {
      if (!in_string_) return !fail("a backslash outside a string");
      escaped_ = true;
    } else if (c == '"') {
      in_string_ = !in_string_;
      if (!in_string_ && open_.empty()) return true;
    } else {
      if (!bracket(c)) return true;
      if (open_.empty()) return true;
    }
  }
  return false;
}

bool JsonListSplitter::step() {
  const char* p = text_.data();
  const std::size_t n = text_.size();
  while (true) {
    if (at_ != At::key_text && at_ != At::member_value && at_ != At::element_value) {
      while (pos_ < n && is_space(p[pos_])) ++pos_;
    }
    if (pos_ >= n) return true;  // more text needed
    const char c = p[pos_];
    switch (at_) {
      case At::root:
        if (c != '{') return fail("not a JSON object");
        ++pos_;
        at_ = At::first_key;
        break;
      case At::first_key:
        if (c == '}') {
          ++pos_;
          at_ = At::end;
          break;
        }
        [[fallthrough]];
      case At::key:
        if (c != '"') return fail("a member without a name");
        start_ = pos_++;
        holding_ = true;
        escaped_ = false;
        at_ = At::key_text;
        break;
      case At::key_text:
        while (pos_ < n && (escaped_ || p[pos_] != '"')) {
          escaped_ = !escaped_ && p[pos_] == '\\';
          ++pos_;
        }
        if (pos_ >= n) return true;
        // A name with escapes is not the list's (Slurm writes none).
        in_list_member_ = std::string_view(p + start_ + 1, pos_ - start_ - 1) == list_key_;
        ++pos_;
        at_ = At::colon;
        break;
      case At::colon:
        if (c != ':') return fail("a member name without ':'");
        ++pos_;
        at_ = At::value;
        break;
      case At::value:
        if (in_list_member_) {
          on_list_();
          has_list_ = c == '[';
          if (has_list_) {
            holding_ = false;
            ++pos_;
            at_ = At::first_element;
            break;
          }
          in_list_member_ = false;  // not a list: skipped like any member
        }
        at_ = At::member_value;
        break;
      case At::member_value:
        if (!skip_value()) return error_.empty();
        // The other members are only skipped: their text must still be UTF-8.
        if (!simdjson::validate_utf8(p + start_, pos_ - start_)) return fail("text that is not UTF-8");
        holding_ = false;
        at_ = At::after_member;
        break;
      case At::after_member:
        if (c != ',' && c != '}') return fail("members not separated by ','");
        ++pos_;
        at_ = c == ',' ? At::key : At::end;
        break;
      case At::first_element:
        if (c == ']') {
          ++pos_;
          at_ = At::after_member;
          break;
        }
        [[fallthrough]];
      case At::element:
        start_ = pos_;
        holding_ = true;
        at_ = At::element_value;
        break;
      case At::element_value:
        if (!skip_value()) return error_.empty();
        holding_ = false;
        at_ = At::after_element;
        if (!on_element_(std::string_view(p + start_, pos_ - start_), text_.capacity() - start_)) {
          return fail("stopped by the element's reader");
        }
        break;
      case At::after_element:
        if (c != ',' && c != ']') return fail("list elements not separated by ','");
        ++pos_;
        at_ = c == ',' ? At::element : At::after_member;
        break;
      case At::end:
        return fail("text after the answer");
    }
  }
}

}  // namespace jobmon::detail
