// The Plivo adapter's mapping (Zentrunk trunks and the Number API's routing), sans-IO: pure
// functions from the desired trunk and the last observation to the next requests
// (plivo_requests.cc), and from a request and its answer to the new observation or a
// classified error (plivo_answers.cc, plivo_errors.cc). The protocol is ABI.md's Sync section;
// what maps to what, the lookup rule, number routing and the error table are in README.md
// beside this file.
//
// Thread-safety: pure functions and constant tables; safe for concurrent use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/plugin_sdk/sync.h"
#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::plivo {

// What a settable trunk field is on the wire, and what stands for it when the registry does
// not hold it.
enum class Unset {
  kNever,    // never absent from the registry (required): nothing to clear
  kEmpty,    // "" (a name)
  kNull,     // JSON null: no reference
  kEnabled,  // Plivo's default "enabled"
  kFalse,    // Plivo's default false
};
struct TrunkField {
  const char* name;  // the registry's and Plivo's JSON name
  bool is_bool;      // a JSON boolean (else a string)
  bool reference;    // the uuid of another resource of the Plivo account
  Unset unset;
};
// Settable trunk fields, in the order they are written into every JSON body.
inline constexpr TrunkField kTrunkFields[] = {
    {"name", false, false, Unset::kEmpty},
    {"trunk_direction", false, false, Unset::kNever},
    {"trunk_status", false, false, Unset::kEnabled},
    {"secure", true, false, Unset::kFalse},
    {"ipacl_uuid", false, true, Unset::kNull},
    {"credential_uuid", false, true, Unset::kNull},
    {"primary_uri_uuid", false, true, Unset::kNull},
    {"fallback_uri_uuid", false, true, Unset::kNull},
};
// The trunk's read-only facts kept in observation.read_only (when Plivo gives them).
inline constexpr const char* kTrunkReadOnly[] = {"trunk_id", "trunk_domain", "created_at",
                                                 "updated_at"};

inline constexpr char kPhoneNumbers[] = "phone_numbers";
// The collection of trunks, relative to the account's base URL ({account_id}: the auth id).
inline constexpr char kTrunksPath[] = "/v1/Account/{account_id}/Zentrunk/Trunk/";
inline constexpr char kNumbersPath[] = "/v1/Account/{account_id}/Number/";
// Trunks per listing page asked for (Plivo's maximum).
inline constexpr int kPageSize = 20;

// The path of trunk `trunk_id` ("/v1/Account/{account_id}/Zentrunk/Trunk/<id>/").
std::string TrunkPath(const std::string& trunk_id);
// The path of number `digits` ("/v1/Account/{account_id}/Number/<digits>/").
std::string NumberPath(const std::string& digits);

// Whether `id` can be a Plivo trunk id in a path: 1 to 32 letters and digits (Plivo's are
// digits).
bool IsTrunkId(std::string_view id);
// Whether `digits` is a phone number as the schema holds it: 7 to 15 digits, no leading 0.
bool IsNumber(std::string_view digits);

// The numbers whose routing a read of `o` covers: those `desired` attaches and those
// item_ids["phone_numbers"] remembers routing to this trunk, sorted, without duplicates.
std::vector<std::string> NumbersToRead(const plugin_sdk::DesiredTrunk* desired,
                                       const plugin_sdk::Observation& o);

// The next requests: reads, a lookup, a create, the writes that converge, or, with desired
// nil, the import scan's listing. Empty: converged (or the scan is done).
// Throws std::invalid_argument when the observation holds a remote id that is not a Plivo
// trunk id or a number that is not digits (neither ever goes into a path); the SDK answers the
// host with INTERNAL.
std::vector<plugin_sdk::Step> Plan(const std::optional<plugin_sdk::DesiredTrunk>& desired,
                                   const plugin_sdk::Observation& observation);

// The observation after `input.step` got `input.response`, or the SyncError it amounts to.
plugin_sdk::AbsorbResult Absorb(const plugin_sdk::AbsorbInput& input);

// The error a non-2xx answer amounts to (code, retryable, field, Plivo's message,
// Retry-After). Absorb uses it for every answer that is not an expected absence.
plugin_sdk::SyncError ClassifyError(const plugin_sdk::Step& step,
                                    const plugin_sdk::HttpResponse& response);

// Whether a 404 answer to a trunk create or update says that a referenced resource (IP ACL,
// credential, URI) does not exist, rather than the trunk itself.
bool IsMissingReference(const plugin_sdk::Step& step, const plugin_sdk::HttpResponse& response);

}  // namespace trunkline::plivo
