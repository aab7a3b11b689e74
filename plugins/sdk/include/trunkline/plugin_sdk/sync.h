// What crosses the plugin ABI's sync functions (ABI 1.1, capability SYNC): the trunk the
// registry wants, what the adapter has observed of the provider's side, the HTTP requests it
// asks the host to send, and the answers it reads. Plain structs; the msgpack form is in
// sync_codec.h, the protocol in ../../../ABI.md.
//
// The adapter is sans-IO: Plan(desired, observation) -> the next requests (none: converged);
// Absorb(desired, observation, step, response) -> the new observation, or a classified error.
// It never does I/O, never sees credentials, never reads a clock. The host sends the
// requests (adding credentials and the account's base URL), journals the outcome and decides
// about retries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "trunkline/plugin_sdk/schema.h"

namespace trunkline::plugin_sdk {
inline namespace abi_v1 {

using Fields = std::map<std::string, FieldValue>;
using NameValues = std::vector<std::pair<std::string, std::string>>;

// A trunk's content in registry terms (field and sub-resource names of the provider's
// schema): what the registry wants, or what was observed remotely.
struct TrunkContent {
  Fields fields;
  std::map<std::string, Fields> singletons;                     // sub-resource -> fields
  std::map<std::string, std::map<std::string, Fields>> items;   // collection -> item id -> fields
  std::map<std::string, std::vector<std::string>> attachments;  // sub-resource -> ids, sorted
  friend bool operator==(const TrunkContent&, const TrunkContent&) = default;
};

// The trunk as the registry wants it.
struct DesiredTrunk {
  std::string id;        // the registry's trunk id
  std::string account;   // the account alias (never a credential)
  bool deleted = false;  // the registry deleted it: remove it remotely
  TrunkContent content;
  friend bool operator==(const DesiredTrunk&, const DesiredTrunk&) = default;
};

// What the adapter knows of the provider's side of one trunk. The host seeds it from the
// journal (remote ids recorded by earlier syncs, whether a create may have been applied) and
// hands each new one back on the next call; the adapter owns everything else.
struct Observation {
  std::string remote_id;  // the provider's id of the trunk; empty: none known
  // The provider's ids of collection items: collection -> registry item id -> remote id.
  std::map<std::string, std::map<std::string, std::string>> item_ids;
  // A create was sent whose answer never came: before creating, look for the trunk it may
  // have made (the host sets it; the adapter clears it once the lookup is done).
  bool create_pending = false;
  // Remote ids the lookup found that match the desired trunk; the host adopts the first one no
  // other registry trunk holds, or lets the adapter create when there is none.
  std::vector<std::string> candidates;
  bool lookup_done = false;

  bool read = false;     // content and read_only below come from a read of the remote trunk
  bool exists = false;   // (when read) the remote trunk exists
  TrunkContent content;  // the remote trunk, in registry terms; unmapped items as "remote:<id>"
  Fields read_only;      // facts only the provider sets (sid, date_created, url, ...)
  std::map<std::string, std::string> progress;  // the adapter's own notes between steps

  // Import scan (desired is nil): the remote trunks found so far, each an observation with
  // read = exists = true, and whether the listing is complete.
  std::vector<Observation> found;
  bool scan_done = false;
  friend bool operator==(const Observation&, const Observation&) = default;
};

struct HttpRequest {
  std::string method;  // "GET", "POST", "DELETE", ...
  // Relative to the account's base URL, e.g. "/v1/Trunks/TK0123/OriginationUrls". The host
  // replaces "{account_id}" with the account's provider id (Plivo's auth id, say).
  std::string path;
  NameValues query;    // unencoded; the host encodes them
  NameValues headers;  // never Authorization: the host adds credentials
  std::string body;
  friend bool operator==(const HttpRequest&, const HttpRequest&) = default;
};

struct HttpResponse {
  int status = 0;
  NameValues headers;
  std::string body;
};

enum class StepKind { kRead, kLookup, kCreate, kUpdate, kDelete };

struct Step {
  StepKind kind = StepKind::kRead;
  // What it acts on, for operators and plans: "trunk", "origination_urls/main",
  // "phone_numbers/PN0123...". A create of "trunk" is journaled as pending before it is sent.
  std::string target;
  HttpRequest request;
  friend bool operator==(const Step&, const Step&) = default;
};

// A provider answer the adapter could not turn into an observation.
struct SyncError {
  int32_t code = 13;  // trunkline's status numbering (14 unavailable, 8 resource exhausted...)
  bool retryable = false;
  std::string message;                    // for operators; never a credential
  std::string field;                      // the registry field or sub-resource it is about, if any
  std::string provider_code;              // the provider's own error code, e.g. "20404"
  std::string provider_message;           // and message
  std::optional<int64_t> retry_after_ms;  // from Retry-After, when given
  friend bool operator==(const SyncError&, const SyncError&) = default;
};

struct AbsorbResult {
  std::optional<Observation> observation;  // exactly one of the two is set
  std::optional<SyncError> error;
};

}  // namespace abi_v1
}  // namespace trunkline::plugin_sdk
