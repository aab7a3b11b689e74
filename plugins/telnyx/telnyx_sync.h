// The Telnyx adapter's mapping (Mission Control API v2: FQDN connections, FQDNs and phone-number
// routing), sans-IO: pure functions from the desired trunk and the last observation to the
// next requests (telnyx_requests.cc), and from a request and its answer to the new observation
// or a classified error (telnyx_answers.cc, telnyx_errors.cc). The protocol is ABI.md's Sync
// section; what maps to what, the lookup rule and the error table are in README.md beside
// this file.
//
// Thread-safety: pure functions and constant tables; safe for concurrent use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/plugin_sdk/sync.h"
#include "trunkline/plugin_sdk/sync_codec.h"

namespace trunkline::telnyx {

// The JSON type a field has on the wire (and in the registry).
enum class Wire { kString, kBool, kInt };

// A settable field: where it sits ("" for the connection's top level, "inbound" and "outbound"
// for the connection's nested objects, which the registry holds as singletons of those names,
// "fqdns" for an FQDN item), its name (the registry's and Telnyx's JSON name), its type, and
// the JSON text sent when the registry does not hold it (Telnyx's default, or null/"" to
// clear it); nullptr: the adapter leaves it as Telnyx has it (required, or Telnyx cannot
// clear it).
struct FieldMap {
  const char* part;
  const char* name;
  Wire wire;
  const char* unset;
};
inline constexpr FieldMap kConnectionFields[] = {
    {"", "connection_name", Wire::kString, nullptr},
    {"", "active", Wire::kBool, "true"},
    {"", "transport_protocol", Wire::kString, "\"UDP\""},
    {"", "anchorsite_override", Wire::kString, "\"Latency\""},
    {"", "dtmf_type", Wire::kString, "\"RFC 2833\""},
    {"", "encrypted_media", Wire::kString, "null"},
    {"", "default_on_hold_comfort_noise_enabled", Wire::kBool, "true"},
    {"", "encode_contact_header_enabled", Wire::kBool, "false"},
    {"", "onnet_t38_passthrough_enabled", Wire::kBool, "false"},
    {"", "webhook_event_url", Wire::kString, "null"},
    {"", "webhook_event_failover_url", Wire::kString, "\"\""},
    {"", "webhook_api_version", Wire::kString, "\"1\""},
    {"", "webhook_timeout_secs", Wire::kInt, "null"},
    {"inbound", "ani_number_format", Wire::kString, "\"E.164-national\""},
    {"inbound", "dnis_number_format", Wire::kString, "\"e164\""},
    {"inbound", "default_routing_method", Wire::kString, "\"sequential\""},
    {"inbound", "channel_limit", Wire::kInt, "null"},
    {"inbound", "sip_region", Wire::kString, "\"US\""},
    {"inbound", "timeout_1xx_secs", Wire::kInt, "3"},
    {"inbound", "timeout_2xx_secs", Wire::kInt, "90"},
    {"inbound", "shaken_stir_enabled", Wire::kBool, "false"},
    // Sent under its live name; read under it or the OpenAPI file's ip_authentication_method.
    // Telnyx refuses null for it, so the registry cannot clear it.
    {"outbound", "fqdn_authentication_method", Wire::kString, nullptr},
    {"outbound", "outbound_voice_profile_id", Wire::kString, "null"},
    {"outbound", "tech_prefix", Wire::kString, "null"},
    {"outbound", "channel_limit", Wire::kInt, "null"},
    {"outbound", "ani_override", Wire::kString, "null"},
    {"outbound", "ani_override_type", Wire::kString, "\"always\""},
    {"outbound", "localization", Wire::kString, "\"US\""},
    {"outbound", "t38_reinvite_source", Wire::kString, "\"customer\""},
};
// An FQDN item. Telnyx needs dns_record_type on create; a port the registry does not hold is
// Telnyx's to choose ("a" without a port means 5060), so it is neither sent nor compared.
inline constexpr FieldMap kFqdnFields[] = {
    {"fqdns", "fqdn", Wire::kString, nullptr},
    {"fqdns", "dns_record_type", Wire::kString, "\"a\""},
    {"fqdns", "port", Wire::kInt, nullptr},
};
// The connection's read-only facts kept in observation.read_only.
inline constexpr const char* kConnectionReadOnly[] = {"id", "record_type", "created_at",
                                                      "updated_at"};

inline constexpr char kInbound[] = "inbound";
inline constexpr char kOutbound[] = "outbound";
inline constexpr char kFqdns[] = "fqdns";
inline constexpr char kPhoneNumbers[] = "phone_numbers";

inline constexpr char kConnectionsPath[] = "/v2/fqdn_connections";
inline constexpr char kFqdnsPath[] = "/v2/fqdns";
inline constexpr char kNumbersPath[] = "/v2/phone_numbers";
// Items per list page asked for (Telnyx's maximum).
inline constexpr char kPageSize[] = "250";

// The parts of a connection one read covers, in the order their reads are planned.
inline constexpr const char* kParts[] = {"trunk", kFqdns, kPhoneNumbers};

// Whether `id` is a Telnyx id as it may go into a path: 1 to 19 decimal digits.
bool IsTelnyxId(std::string_view id);
// Whether `digits` is a phone number as the schema holds it: 7 to 15 digits, no leading 0.
bool IsNumber(std::string_view digits);

// The next requests: reads, a lookup, a create, the writes that converge, or, with desired
// nil, the import scan's listings. Empty: converged (or the scan is done).
// Throws std::invalid_argument when the observation holds a remote id (of the connection, an
// FQDN or a number) that is not a Telnyx id, or a number that is not digits: none of them ever
// goes into a path unchecked; the SDK answers the host with INTERNAL.
std::vector<plugin_sdk::Step> Plan(const std::optional<plugin_sdk::DesiredTrunk>& desired,
                                   const plugin_sdk::Observation& observation);

// The observation after `input.step` got `input.response`, or the SyncError it amounts to.
plugin_sdk::AbsorbResult Absorb(const plugin_sdk::AbsorbInput& input);

// The error a non-2xx answer amounts to (code, retryable, field, Telnyx's code and detail,
// the retry delay). Absorb uses it for every answer that is not an expected absence.
plugin_sdk::SyncError ClassifyError(const plugin_sdk::Step& step,
                                    const plugin_sdk::HttpResponse& response);

// The first error of Telnyx's envelope ({"errors": [{code, title, detail, source}]}): its
// code (a string, or a number as text), title, detail, and source.pointer (or
// source.parameter); all empty when the body is not that envelope.
struct TelnyxError {
  std::string code;
  std::string title;
  std::string detail;
  std::string pointer;
  std::string parameter;
};
TelnyxError ParseError(const std::string& body);

}  // namespace trunkline::telnyx
