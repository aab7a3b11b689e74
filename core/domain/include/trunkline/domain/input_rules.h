// The rules every id and every piece of text obeys before it may enter the journal, whatever
// the provider: ids (trunk ids, item ids, attachment ids, accounts) have one character set and
// length; text (every string field, command metadata) is valid UTF-8 without control
// characters; and no value embeds credentials in a URL, because secrets never enter the
// journal. Provider limits (plugin_sdk/schema.h) apply on top of these.
//
// Every refusal is kInvalidArgument with a message "<path>: <rule>". A refusal never echoes
// the refused value when it may carry a secret or bytes unsafe to print.
//
// Thread-safety: pure functions; safe for concurrent use.
#pragma once

#include <cstddef>
#include <string_view>

#include "trunkline/base/status.h"

namespace trunkline::domain {

// Ids are 1 to kMaxIdLength characters, each a letter A-Z or a-z, a digit, '.', '_', ':'
// or '-'.
inline constexpr size_t kMaxIdLength = 64;

// kInvalidArgument unless `id` is an id as above; the message names `path` and the first
// offending character by its offset and code point.
Status CheckId(std::string_view path, std::string_view id);

// kInvalidArgument unless `text` is valid UTF-8 (shortest forms, no surrogates, at most
// U+10FFFF) and holds no control character: none of C0 (U+0000-U+001F, so no tab or line
// break either), DEL (U+007F) or C1 (U+0080-U+009F). The empty text passes.
Status CheckText(std::string_view path, std::string_view text);

// kInvalidArgument ("<path>: must not embed credentials; secrets never enter the journal")
// when `text` is a URL with credentials in it:
//   - any URL whose user part carries a password ("scheme://user:secret@host",
//     "sip:user:secret@host", "sips:...");
//   - an http or https URL with any user part ("https://token@host"), which is how HTTP
//     credentials are embedded.
// A SIP URI's user without a password ("sip:alice@host") is an address, not a secret, and
// passes. Text that is not a URL passes.
Status CheckNoCredentials(std::string_view path, std::string_view text);

}  // namespace trunkline::domain
