// The Twilio adapter's mapping (Trunking v1), sans-IO: pure functions from the desired trunk
// and the last observation to the next requests (twilio_requests.cc), and from a request and
// its answer to the new observation or a classified error (twilio_answers.cc,
// twilio_errors.cc). The protocol is ABI.md's Sync section; what maps to what, the lookup
// rule and the error table are in README.md beside this file.
//
// Thread-safety: pure functions and constant tables; safe for concurrent use.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/plugin_sdk/sync.h"
#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::twilio {

// A settable field: the registry's (and Twilio's JSON) snake_case name, Twilio's PascalCase
// form parameter, and what is sent when the registry does not hold the field (Twilio's
// default, or "" to clear it); nullptr: Twilio cannot clear it, so it is left as it is.
struct ParamName {
  const char* field;
  const char* param;
  const char* unset;
};
inline constexpr ParamName kTrunkParams[] = {
    {"friendly_name", "FriendlyName", ""},
    {"domain_name", "DomainName", nullptr},
    {"disaster_recovery_url", "DisasterRecoveryUrl", ""},
    {"disaster_recovery_method", "DisasterRecoveryMethod", "POST"},
    {"transfer_mode", "TransferMode", "disable-all"},
    {"secure", "Secure", "false"},
    {"cnam_lookup_enabled", "CnamLookupEnabled", "false"},
    {"transfer_caller_id", "TransferCallerId", "from-transferee"},
};
// Every field is required on create, so an item always holds all five.
inline constexpr ParamName kOriginationUrlParams[] = {
    {"friendly_name", "FriendlyName", nullptr},
    {"sip_url", "SipUrl", nullptr},
    {"priority", "Priority", nullptr},
    {"weight", "Weight", nullptr},
    {"enabled", "Enabled", nullptr},
};
inline constexpr ParamName kRecordingParams[] = {{"mode", "Mode", "do-not-record"},
                                                 {"trim", "Trim", "do-not-trim"}};

// An association sub-resource: its name in the schema, path segment, create parameter and
// the prefix of the sids it holds.
struct Association {
  const char* sub_resource;
  const char* segment;
  const char* param;
  const char* prefix;
};
inline constexpr Association kAssociations[] = {
    {"credential_lists", "CredentialLists", "CredentialListSid", "CL"},
    {"ip_access_control_lists", "IpAccessControlLists", "IpAccessControlListSid", "AL"},
    {"phone_numbers", "PhoneNumbers", "PhoneNumberSid", "PN"},
};

inline constexpr char kOriginationUrls[] = "origination_urls";
inline constexpr char kRecording[] = "recording";
// Items per list page asked for (Twilio's maximum).
inline constexpr char kPageSize[] = "1000";

// The parts of a trunk one read covers, in the order their reads are planned.
inline constexpr const char* kParts[] = {
    "trunk",        kRecording, kOriginationUrls, "credential_lists", "ip_access_control_lists",
    "phone_numbers"};

// The parts of an imported trunk read after the listing: all but "trunk", which the listing
// holds.
static_assert(std::string_view(kParts[0]) == "trunk");
inline constexpr std::span<const char* const> kImportParts = std::span(kParts).subspan(1);

// Whether `sid` is `prefix` followed by 32 hex digits (every Twilio sid is).
bool IsSid(std::string_view sid, std::string_view prefix);

// The path relative to `base` of a collection or sub-resource: "/v1/Trunks/TK.../<segment>".
std::string SubResourcePath(const std::string& trunk_sid, std::string_view part);

// The next requests: reads, a lookup, a create, the writes that converge, or, with desired
// nil, the import scan's listings. Empty: converged (or the scan is done).
// Throws std::invalid_argument when the observation holds a remote id that is not a Twilio
// trunk sid (it never goes into a path); the SDK answers the host with INTERNAL.
std::vector<plugin_sdk::Step> Plan(const std::optional<plugin_sdk::DesiredTrunk>& desired,
                                   const plugin_sdk::Observation& observation);

// The observation after `input.step` got `input.response`, or the SyncError it amounts to.
plugin_sdk::AbsorbResult Absorb(const plugin_sdk::AbsorbInput& input);

// The error a non-2xx answer amounts to (code, retryable, field, Twilio's code and message,
// Retry-After). Absorb uses it for every answer that is not an expected absence.
plugin_sdk::SyncError ClassifyError(const plugin_sdk::Step& step,
                                    const plugin_sdk::HttpResponse& response);

}  // namespace trunkline::twilio
