// Cuts a JSON text, as it arrives in pieces, into the elements of one list
// of its root object ({"meta": ..., "jobs": [E, E, ...]}), so that a reader
// holds one element at a time instead of the whole text: a 500-job sacct
// answer is ~800 MB, one of its job objects ~3 KB.
//
// The splitter checks the structure around the list (one root object, its
// members named and separated, the list's elements separated, nothing after
// the root) and, inside the values it skips, only that strings close and
// brackets match (as simdjson On-Demand skips a value it does not read), and
// the UTF-8 of the root's other members; each element's own content is for
// the element's reader to check (it parses it).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace jobmon::detail {

class JsonListSplitter {
 public:
  // Called with each element of the list, its text readable `readable`
  // bytes from its start (at least its size + `padding`); false stops.
  using OnElement = std::function<bool(std::string_view element, std::size_t readable)>;
  // Called when the list's key is met (again: of duplicate keys the last counts).
  using OnList = std::function<void()>;

  JsonListSplitter(std::string list_key, std::size_t padding, OnElement on_element, OnList on_list);

  // The next piece of the text; false once the text is broken or a callback
  // stopped (then the rest need not be read).
  bool feed(std::string_view piece);
  // The text has ended: whether it was one whole root object.
  bool finish();

  // Why the text is broken; empty when it is not (yet).
  const std::string& error() const { return error_; }
  // The last member named list_key held a list.
  bool has_list() const { return has_list_; }

 private:
  enum class At {
    root,              // before the root object
    first_key,         // after '{': a key or '}'
    key,               // after ',': a key
    key_text,          // inside a key
    colon,             // after a key
    value,             // after ':'
    member_value,      // inside a member's value (not the list)
    after_member,      // ',' or '}'
    first_element,     // after the list's '[': an element or ']'
    element,           // after ',': an element
    element_value,     // inside an element
    after_element,     // ',' or ']'
    end,               // after the root object: white space only
  };

  bool fail(std::string why);
  bool step();  // advances from pos_ as far as the text allows; false when broken or stopped
  // Skips the value starting at or after pos_ (resumable); true once it is whole.
  bool skip_value();
  // One stretch of skip_value the careful way, a special character at a
  // time, up to `stop`; true once the value is whole (or broken).
  bool careful_step(const char* p, std::size_t stop);
  // An open bracket pushed, or a closing one matched and popped (false: no match).
  bool bracket(char c);
  void compact();

  std::string list_key_;
  std::size_t padding_;
  OnElement on_element_;
  OnList on_list_;

  std::string text_;       // what has arrived and is still needed
  std::size_t pos_ = 0;    // the next byte to look at, in text_
  std::size_t start_ = 0;  // where the element (or member) being read starts, in text_
  bool holding_ = false;   // start_ is needed: text_ is kept from it
  At at_ = At::root;
  bool in_list_member_ = false;  // the member being read is the list
  bool has_list_ = false;
  std::string error_;

  // The value being skipped: open brackets, and where inside a string or scalar.
  std::vector<char> open_;
  bool in_value_ = false, in_string_ = false, escaped_ = false, in_scalar_ = false;
};

}  // namespace jobmon::detail
