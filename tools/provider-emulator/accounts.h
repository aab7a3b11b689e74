// The accounts the emulators accept, read from the command line, a file or the environment
// (trunkline-emulator --accounts-file, TRUNKLINE_EMULATOR_ACCOUNTS). The text form, one
// account per line (blank lines and lines starting with '#' are ignored; blanks around the
// words are too):
//
//   twilio-account  ACCOUNTSID:AUTHTOKEN           ACCOUNTSID = AC + 32 lower-case hex digits
//   twilio-api-key  KEYSID:SECRET:ACCOUNTSID       KEYSID = SK + 32 lower-case hex digits
//   plivo-account   AUTHID:AUTHTOKEN               AUTHID = letters and digits
//   telnyx-api-key  APIKEY                         APIKEY = 1 to 255 printable ASCII
//                                                  characters, no blanks
//
// The last part (token or secret) is everything after the last ':' the kind needs, so it may
// itself contain ':'. An id (a Telnyx API key included) may be given once. Error messages
// never quote a token, secret or API key.
//
// Thread-safety: a value; free functions are safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "telnyx_api.h"
#include "trunkline/base/status.h"
#include "twilio_api.h"

namespace trunkline::emulator {

struct Accounts {
  std::vector<TwilioAccount> twilio;
  std::vector<TwilioApiKey> twilio_api_keys;
  std::vector<std::pair<std::string, std::string>> plivo;  // auth_id, auth_token
  std::vector<TelnyxAccount> telnyx;  // by API key; numbers left to the emulator

  // Adds one account of `kind` ("twilio-account", "twilio-api-key", "plivo-account" or
  // "telnyx-api-key"), `value` written as in the text form.
  // kInvalidArgument: an unknown kind, or a value that breaks a rule above (the message
  // names the rule; the account is not added).
  Status Add(std::string_view kind, std::string_view value);
};

// Reads the text form and adds its accounts to `base` (the result holds both).
// kInvalidArgument: "<source>:<line>: <rule>" for the first line that breaks a rule.
Result<Accounts> ParseAccounts(std::string_view text, std::string_view source, Accounts base = {});

// Reads the text form from the file at `path` (see ParseAccounts).
// kNotFound / kPermissionDenied / kInvalidArgument: the file cannot be read, or a line
// breaks a rule ("<path>:<line>: <rule>").
Result<Accounts> ReadAccountsFile(const std::string& path, Accounts base = {});

}  // namespace trunkline::emulator
