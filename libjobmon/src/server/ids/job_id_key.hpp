// The secret key job ids are derived with (job_id_for). A bookmarked
// /job/<id> must survive a restart, so jobmon-serve keeps its key in a file
// (--id-key-file, by default under the XDG state dir) and creates it on first
// use; a process that sets none (a library user, a test) gets a random key of
// its own, and its ids change with every run.
#pragma once

#include <string>
#include <string_view>

#include "server/ids/siphash.hpp"

namespace jobmon::detail {

// The key in use: the one set last, else this process's random key.
SipKey job_id_key();
// Changes the ids of every entry built afterwards: set it before a registry exists.
void set_job_id_key(const SipKey& key);

// 16 bytes from the system's random source.
SipKey random_sip_key();
// A key from a key file's text (blanks around it ignored): 32 hex digits are
// the key's bytes; any other text is hashed into a key. Throws
// std::runtime_error for an empty text.
SipKey sip_key_from_text(std::string_view text);
// The key in `path`, which is created with a new random key (mode 0600, and
// its folder) when missing. Two processes starting at once agree on one key:
// the file appears whole or not at all. Throws (StorageError,
// std::runtime_error) when it can be neither read nor created.
SipKey load_or_create_key_file(const std::string& path);
// $XDG_STATE_HOME/jobmon/serve-id-key, else $HOME/.local/state/jobmon/serve-id-key;
// empty when neither variable is set.
std::string default_id_key_file();

}  // namespace jobmon::detail
