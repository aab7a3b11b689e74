// FQDN connections (docs/telnyx.md §3): every field with its type, default and access, one
// table per object (top level, inbound, outbound and the small nested settings), applied to
// a create or a PATCH by one function; then the rules that span fields.
//
// A connection is kept as the JSON object it is answered as, with the outbound auth method
// stored under its spec name (ip_authentication_method, null until a client sets it) and
// renamed or defaulted when answered (ConnectionJson).
#include <strings.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>

#include "common.h"
#include "telnyx_state.h"

namespace trunkline::emulator {
namespace json = boost::json;
using namespace telnyx;

namespace {

enum class Type {
  kString,  // hi > 0: at most hi characters; lo > 0: at least lo
  kBool,
  kInt,      // lo to hi, in steps of `step`
  kEnum,     // one of `values`
  kStrings,  // an array of strings
  kObject,   // merged key by key with `nested`
  kUrl,      // an http(s) URL, or ""
  kUuid,
  kId,        // an int64 id: a string of 1 to 19 decimal digits
  kDigits,    // a string of exactly lo decimal digits
  kE164,      // an optional '+' and 1 to 15 digits
  kCountry,   // two upper-case letters
  kUserName,  // letters and digits, at most 32 (the live rule, docs/telnyx.md §10.4)
};

enum class Access {
  kWrite,       // on create and PATCH
  kCreateOnly,  // absent from the update schema
  kReadOnly,    // answered only
  kLiveWrite,   // read-only in the spec, writable live (docs/telnyx.md §3.2)
};

struct Rule {
  std::string_view name;
  Type type;
  bool nullable = false;
  std::vector<std::string_view> values = {};
  int64_t lo = 0, hi = 0, step = 1;
  const std::vector<Rule>* nested = nullptr;
  Access access = Access::kWrite;
};

const std::vector<Rule> kNoiseDetails = {
    {.name = "engine", .type = Type::kString, .lo = 1},
    {.name = "attenuation_limit", .type = Type::kInt, .lo = 0, .hi = 100, .step = 10},
};

const std::vector<Rule> kJitterBuffer = {
    {.name = "enable_jitter_buffer", .type = Type::kBool},
    {.name = "jitterbuffer_msec_min", .type = Type::kInt, .lo = 40, .hi = 400},
    {.name = "jitterbuffer_msec_max", .type = Type::kInt, .lo = 40, .hi = 400},
};

const std::vector<Rule> kRtcpSettings = {
    {.name = "port", .type = Type::kEnum, .values = {"rtcp-mux", "rtp+1"}},
    {.name = "capture_enabled", .type = Type::kBool},
    {.name = "report_frequency_secs", .type = Type::kInt, .lo = 5, .hi = 3000},
};

// docs/telnyx.md §3.3.
const std::vector<Rule> kInbound = {
    {.name = "ani_number_format",
     .type = Type::kEnum,
     .values = {"+E.164", "E.164", "+E.164-national", "E.164-national"}},
    {.name = "dnis_number_format",
     .type = Type::kEnum,
     .values = {"+e164", "e164", "national", "sip_username"}},
    {.name = "codecs", .type = Type::kStrings},
    {.name = "default_routing_method",
     .type = Type::kEnum,
     .nullable = true,
     .values = {"sequential", "round-robin"}},
    {.name = "default_primary_fqdn_id", .type = Type::kId, .nullable = true},
    {.name = "default_secondary_fqdn_id", .type = Type::kId, .nullable = true},
    {.name = "default_tertiary_fqdn_id", .type = Type::kId, .nullable = true},
    {.name = "channel_limit", .type = Type::kInt, .nullable = true, .lo = 0, .hi = INT32_MAX},
    {.name = "timeout_1xx_secs", .type = Type::kInt, .lo = 1, .hi = 120},
    {.name = "timeout_2xx_secs", .type = Type::kInt, .lo = 1, .hi = 600},
    {.name = "sip_region", .type = Type::kEnum, .values = {"US", "Europe", "Australia"}},
    {.name = "sip_subdomain", .type = Type::kString, .nullable = true},
    {.name = "sip_subdomain_receive_settings",
     .type = Type::kEnum,
     .values = {"only_my_connections", "from_anyone"}},
    {.name = "generate_ringback_tone", .type = Type::kBool},
    {.name = "isup_headers_enabled", .type = Type::kBool},
    {.name = "prack_enabled", .type = Type::kBool},
    {.name = "shaken_stir_enabled", .type = Type::kBool},
    {.name = "sip_compact_headers_enabled", .type = Type::kBool},
};

// docs/telnyx.md §3.4. The auth method is checked and renamed before this table applies.
const std::vector<Rule> kOutbound = {
    {.name = "outbound_voice_profile_id", .type = Type::kId, .nullable = true},
    {.name = "ip_authentication_method",
     .type = Type::kEnum,
     .values = {"credential-authentication", "ip-authentication"}},
    {.name = "ip_authentication_token", .type = Type::kString, .nullable = true},
    {.name = "tech_prefix", .type = Type::kDigits, .nullable = true, .lo = 4},
    {.name = "ani_override", .type = Type::kE164, .nullable = true},
    {.name = "ani_override_type", .type = Type::kEnum, .values = {"always", "normal", "emergency"}},
    {.name = "channel_limit", .type = Type::kInt, .nullable = true, .lo = 0, .hi = INT32_MAX},
    {.name = "localization", .type = Type::kCountry},
    {.name = "t38_reinvite_source",
     .type = Type::kEnum,
     .values = {"telnyx", "customer", "disabled", "passthru", "caller-passthru",
                "callee-passthru"}},
    {.name = "call_parking_enabled", .type = Type::kBool, .nullable = true},
    {.name = "generate_ringback_tone", .type = Type::kBool},
    {.name = "instant_ringback_enabled", .type = Type::kBool},
    {.name = "encrypted_media", .type = Type::kEnum, .nullable = true, .values = {"SRTP"}},
    {.name = "timeout_1xx_secs", .type = Type::kInt, .lo = 1, .hi = 120},
    {.name = "timeout_2xx_secs", .type = Type::kInt, .lo = 1, .hi = 600},
};

// docs/telnyx.md §3.2.
const std::vector<Rule> kConnection = {
    {.name = "id", .type = Type::kId, .access = Access::kReadOnly},
    {.name = "record_type", .type = Type::kString, .access = Access::kReadOnly},
    {.name = "connection_name", .type = Type::kString, .lo = 1},
    {.name = "active", .type = Type::kBool},
    {.name = "transport_protocol", .type = Type::kEnum, .values = {"UDP", "TCP", "TLS"}},
    {.name = "tags", .type = Type::kStrings},
    {.name = "anchorsite_override",
     .type = Type::kEnum,
     .values = {"Latency", "Chicago, IL", "Ashburn, VA", "San Jose, CA", "Sydney, Australia",
                "Amsterdam, Netherlands", "London, UK", "Toronto, Canada", "Vancouver, Canada",
                "Frankfurt, Germany"}},
    {.name = "dtmf_type", .type = Type::kEnum, .values = {"RFC 2833", "Inband", "SIP INFO"}},
    {.name = "encrypted_media", .type = Type::kEnum, .nullable = true, .values = {"SRTP"}},
    {.name = "default_on_hold_comfort_noise_enabled", .type = Type::kBool},
    {.name = "encode_contact_header_enabled", .type = Type::kBool},
    {.name = "onnet_t38_passthrough_enabled", .type = Type::kBool},
    {.name = "call_cost_in_webhooks", .type = Type::kBool},
    {.name = "microsoft_teams_sbc", .type = Type::kBool, .access = Access::kCreateOnly},
    {.name = "webhook_event_url", .type = Type::kUrl, .nullable = true},
    {.name = "webhook_event_failover_url", .type = Type::kUrl, .nullable = true},
    {.name = "webhook_api_version", .type = Type::kEnum, .values = {"1", "2"}},
    {.name = "webhook_timeout_secs", .type = Type::kInt, .nullable = true, .lo = 0, .hi = 30},
    {.name = "ios_push_credential_id", .type = Type::kUuid, .nullable = true},
    {.name = "android_push_credential_id", .type = Type::kUuid, .nullable = true},
    {.name = "noise_suppression",
     .type = Type::kEnum,
     .values = {"inbound", "outbound", "both", "disabled"}},
    {.name = "noise_suppression_details", .type = Type::kObject, .nested = &kNoiseDetails},
    {.name = "jitter_buffer", .type = Type::kObject, .nested = &kJitterBuffer},
    {.name = "rtcp_settings", .type = Type::kObject, .nested = &kRtcpSettings},
    {.name = "inbound", .type = Type::kObject, .nested = &kInbound},
    {.name = "outbound", .type = Type::kObject, .nested = &kOutbound},
    {.name = "user_name", .type = Type::kUserName, .nullable = true, .access = Access::kLiveWrite},
    {.name = "password", .type = Type::kString, .nullable = true, .access = Access::kLiveWrite},
    {.name = "third_party_control_enabled", .type = Type::kBool, .access = Access::kReadOnly},
    {.name = "adjust_dtmf_timestamp", .type = Type::kBool, .access = Access::kReadOnly},
    {.name = "call_cost_enabled", .type = Type::kBool, .access = Access::kReadOnly},
    {.name = "ignore_dtmf_duration", .type = Type::kBool, .access = Access::kReadOnly},
    {.name = "ignore_mark_bit", .type = Type::kBool, .access = Access::kReadOnly},
    {.name = "rtp_pass_codecs_on_stream_change", .type = Type::kBool, .access = Access::kReadOnly},
    {.name = "send_normalized_timestamps", .type = Type::kBool, .access = Access::kReadOnly},
    {.name = "txt_name", .type = Type::kString, .access = Access::kReadOnly},
    {.name = "txt_value", .type = Type::kString, .access = Access::kReadOnly},
    {.name = "txt_ttl", .type = Type::kInt, .access = Access::kReadOnly},
    {.name = "created_at", .type = Type::kString, .access = Access::kReadOnly},
    {.name = "updated_at", .type = Type::kString, .access = Access::kReadOnly},
};

// A new connection before the client's fields apply: the defaults of docs/telnyx.md §3.2-3.4.
// Where the sheet gives none: noise suppression "disabled" with a 100 limit, and null.
constexpr std::string_view kDefaults = R"({
  "id": "", "record_type": "fqdn_connection", "connection_name": "", "active": true,
  "transport_protocol": "UDP", "tags": [], "anchorsite_override": "Latency",
  "dtmf_type": "RFC 2833", "encrypted_media": null,
  "default_on_hold_comfort_noise_enabled": true, "encode_contact_header_enabled": false,
  "onnet_t38_passthrough_enabled": false, "call_cost_in_webhooks": false,
  "microsoft_teams_sbc": false, "webhook_event_url": null, "webhook_event_failover_url": "",
  "webhook_api_version": "1", "webhook_timeout_secs": null, "ios_push_credential_id": null,
  "android_push_credential_id": null, "noise_suppression": "disabled",
  "noise_suppression_details": {"engine": "denoiser", "attenuation_limit": 100},
  "jitter_buffer": {"enable_jitter_buffer": false, "jitterbuffer_msec_min": 60,
                    "jitterbuffer_msec_max": 200},
  "rtcp_settings": {"port": "rtp+1", "capture_enabled": false, "report_frequency_secs": 5},
  "inbound": {"ani_number_format": "E.164-national", "dnis_number_format": "e164",
              "codecs": ["G722", "G711U", "G711A", "G729", "OPUS", "H.264"],
              "default_routing_method": "sequential", "default_primary_fqdn_id": null,
              "default_secondary_fqdn_id": null, "default_tertiary_fqdn_id": null,
              "channel_limit": null, "timeout_1xx_secs": 3, "timeout_2xx_secs": 90,
              "sip_region": "US", "sip_subdomain": null,
              "sip_subdomain_receive_settings": "from_anyone", "generate_ringback_tone": false,
              "isup_headers_enabled": false, "prack_enabled": false,
              "shaken_stir_enabled": false, "sip_compact_headers_enabled": true},
  "outbound": {"outbound_voice_profile_id": null, "ip_authentication_method": null,
               "ip_authentication_token": null, "tech_prefix": null, "ani_override": null,
               "ani_override_type": "always", "channel_limit": null, "localization": "US",
               "t38_reinvite_source": "customer", "call_parking_enabled": false,
               "generate_ringback_tone": false, "instant_ringback_enabled": false,
               "encrypted_media": null, "timeout_1xx_secs": 3, "timeout_2xx_secs": 90},
  "user_name": null, "password": null, "third_party_control_enabled": false,
  "adjust_dtmf_timestamp": false, "call_cost_enabled": false, "ignore_dtmf_duration": false,
  "ignore_mark_bit": false, "rtp_pass_codecs_on_stream_change": false,
  "send_normalized_timestamps": false, "txt_name": null, "txt_value": null, "txt_ttl": null,
  "created_at": "", "updated_at": ""
})";

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool IsHttpUrl(std::string_view s) {
  if (s.empty()) return true;
  auto url = boost::urls::parse_uri(s);
  return url && (strcasecmp(std::string(url->scheme()).c_str(), "http") == 0 ||
                 strcasecmp(std::string(url->scheme()).c_str(), "https") == 0);
}

// What is wrong with `v` for `rule`, as the end of "<name> ..."; "" when it is fine.
std::string Wrong(const Rule& rule, const json::value& v) {
  const std::string got = ", got " + json::serialize(v);
  const bool is_int = v.is_int64() || v.is_uint64();
  const std::string_view s = v.is_string() ? std::string_view(v.as_string()) : "";
  switch (rule.type) {
    case Type::kString:
      if (!v.is_string()) return "must be a string" + got;
      if (rule.lo > 0 && static_cast<int64_t>(s.size()) < rule.lo) {
        return "must not be empty";
      }
      return "";
    case Type::kBool:
      return v.is_bool() ? "" : "must be true or false" + got;
    case Type::kInt: {
      const int64_t n = is_int ? v.to_number<int64_t>() : 0;
      if (is_int && n >= rule.lo && n <= rule.hi && n % rule.step == 0) return "";
      return "must be an integer from " + std::to_string(rule.lo) + " to " +
             std::to_string(rule.hi) +
             (rule.step > 1 ? " in steps of " + std::to_string(rule.step) : "") + got;
    }
    case Type::kEnum: {
      if (v.is_string() &&
          std::find(rule.values.begin(), rule.values.end(), s) != rule.values.end()) {
        return "";
      }
      std::string list;
      for (std::string_view value : rule.values)
        list += (list.empty() ? "" : ", ") + std::string(value);
      return "must be one of " + list + got;
    }
    case Type::kStrings: {
      const bool ok =
          v.is_array() && std::all_of(v.as_array().begin(), v.as_array().end(),
                                      [](const json::value& e) { return e.is_string(); });
      return ok ? "" : "must be an array of strings" + got;
    }
    case Type::kObject:
      return v.is_object() ? "" : "must be an object" + got;
    case Type::kUrl:
      return v.is_string() && IsHttpUrl(s) ? "" : "must be an http(s) URL" + got;
    case Type::kUuid:
      return v.is_string() && IsUuid(s) ? "" : "must be a UUID" + got;
    case Type::kId:
      return v.is_string() && IsId(s) ? "" : "must be an id: a string of 1 to 19 digits" + got;
    case Type::kDigits:
      return v.is_string() && static_cast<int64_t>(s.size()) == rule.lo && AllDigits(s)
                 ? ""
                 : "must be a string of exactly " + std::to_string(rule.lo) + " digits" + got;
    case Type::kE164: {
      const std::string_view digits = s.starts_with('+') ? s.substr(1) : s;
      return v.is_string() && !digits.empty() && digits.size() <= 15 && AllDigits(digits)
                 ? ""
                 : "must be an E.164 number (+ and up to 15 digits)" + got;
    }
    case Type::kCountry:
      return v.is_string() && s.size() == 2 && std::isupper(static_cast<unsigned char>(s[0])) &&
                     std::isupper(static_cast<unsigned char>(s[1]))
                 ? ""
                 : "must be a two-letter country code such as US" + got;
    case Type::kUserName:
      // The live 422 details (docs/telnyx.md §10.4).
      if (!v.is_string() || s.empty() || !std::all_of(s.begin(), s.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0;
          })) {
        return "Must contain only letters and numbers; no spacing allowed";
      }
      return s.size() > 32 ? "is too long (maximum is 32 characters)" : "";
  }
  return "";
}

// Applies `body` to `target` under `rules`: each member checked, objects merged key by key.
// `pointer` is where `body` sits ("" at the top). Members the API does not take are refused
// when `strict` (the documented mode) and skipped otherwise, as live does (docs/telnyx.md §3.5).
Check Apply(const json::object& body, const std::vector<Rule>& rules, const std::string& pointer,
            bool creating, bool strict, json::object& target) {
  for (const auto& [key, value] : body) {
    const std::string at = pointer + "/" + std::string(key);
    const auto rule =
        std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.name == key; });
    if (rule == rules.end()) {
      if (strict) return Invalid(at, std::string(key) + " is not a field of this object");
      continue;
    }
    const bool writable = rule->access == Access::kWrite ||
                          (rule->access == Access::kCreateOnly && creating) ||
                          (rule->access == Access::kLiveWrite && !strict);
    if (!writable) {
      if (!strict) continue;
      return Invalid(at, std::string(key) + (rule->access == Access::kCreateOnly
                                                 ? " can only be set when creating"
                                                 : " is read-only"));
    }
    if (value.is_null()) {
      if (!rule->nullable) return Invalid(at, std::string(key) + " must not be null");
      target[key] = nullptr;
      continue;
    }
    if (const std::string wrong = Wrong(*rule, value); !wrong.empty()) {
      return Invalid(at, std::string(key) + " " + wrong);
    }
    if (rule->type == Type::kObject) {
      if (auto e = Apply(value.as_object(), *rule->nested, at, creating, strict,
                         target[key].as_object())) {
        return e;
      }
      continue;
    }
    target[key] = value;
  }
  return std::nullopt;
}

const json::object* Member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
}

}  // namespace

Connection* TelnyxApi::State::FindConnection(Account& account, std::string_view id) {
  for (Connection& c : account.connections) {
    if (c.fields.at("id").as_string() == id) return &c;
  }
  return nullptr;
}

json::object TelnyxApi::State::ConnectionJson(const Connection& c) const {
  json::object out = c.fields;
  json::object outbound;
  for (const auto& [key, value] : c.fields.at("outbound").as_object()) {
    if (key != "ip_authentication_method") {
      outbound[key] = value;
    } else if (quirks) {
      outbound["fqdn_authentication_method"] = value;  // docs/telnyx.md §3.4, §10.2
    } else {
      outbound[key] = value.is_null() ? json::value("ip-authentication") : value;
    }
  }
  out["outbound"] = std::move(outbound);
  return out;
}

namespace {

// The body with a live-named auth method (outbound.fqdn_authentication_method) under its
// spec name, checked first so that a refusal names the key the client sent.
Check NormalizeAuthMethod(bool quirks, json::object& body) {
  json::value* outbound = body.if_contains("outbound");
  if (!quirks || outbound == nullptr || !outbound->is_object()) return std::nullopt;
  json::object& o = outbound->as_object();
  const json::value* live = o.if_contains("fqdn_authentication_method");
  if (live == nullptr) return std::nullopt;
  const Rule& rule = kOutbound[1];
  if (const std::string wrong = Wrong(rule, *live); !wrong.empty()) {
    return Invalid("/outbound/fqdn_authentication_method", "fqdn_authentication_method " + wrong);
  }
  const json::value* spec = o.if_contains("ip_authentication_method");
  if (spec != nullptr && *spec != *live) {
    return Invalid("/outbound/fqdn_authentication_method",
                   "fqdn_authentication_method and ip_authentication_method name the same "
                   "setting and must agree");
  }
  o["ip_authentication_method"] = *live;
  o.erase("fqdn_authentication_method");
  return std::nullopt;
}

// The rules that span fields, for the connection as it would be after `body`.
Check CheckConnection(const Connection& next, const json::object& body, bool quirks,
                      const std::vector<Fqdn>& fqdns) {
  const json::object& f = next.fields;
  const json::object& inbound = f.at("inbound").as_object();
  const json::object& outbound = f.at("outbound").as_object();
  for (const auto& [pointer, media] :
       {std::pair{std::string("/encrypted_media"), &f.at("encrypted_media")},
        std::pair{std::string("/outbound/encrypted_media"), &outbound.at("encrypted_media")}}) {
    if (!media->is_null() && f.at("transport_protocol") == "TLS") {
      return Invalid(pointer, "encrypted_media cannot be set when transport_protocol is TLS");
    }
  }
  const json::object* body_inbound = Member(body, "inbound");
  for (const char* key :
       {"default_primary_fqdn_id", "default_secondary_fqdn_id", "default_tertiary_fqdn_id"}) {
    if (body_inbound == nullptr || !body_inbound->contains(key) || inbound.at(key).is_null()) {
      continue;
    }
    const std::string_view id = inbound.at(key).as_string();
    const bool on_this = std::any_of(fqdns.begin(), fqdns.end(), [&](const Fqdn& q) {
      return q.id == id && q.connection_id == f.at("id").as_string();
    });
    if (!on_this) {
      return Invalid("/inbound/" + std::string(key),
                     std::string(key) + " " + std::string(id) +
                         " is not the id of an FQDN on this connection");
    }
  }
  // Live refuses an outbound voice profile until outbound auth is complete (§3.5, §10.1).
  const json::object* body_outbound = Member(body, "outbound");
  const json::value* profile =
      body_outbound ? body_outbound->if_contains("outbound_voice_profile_id") : nullptr;
  if (quirks && profile != nullptr && !profile->is_null()) {
    const json::value& method = outbound.at("ip_authentication_method");
    const bool complete = method == "ip-authentication" ||
                          (method == "credential-authentication" && f.at("user_name").is_string() &&
                           f.at("password").is_string() && !f.at("password").as_string().empty());
    if (!complete) {
      return Invalid("/outbound/outbound_voice_profile_id",
                     "Outbound authentication must be fully configured before assigning an "
                     "outbound profile: set outbound.fqdn_authentication_method (and user_name "
                     "and password for credential-authentication) first");
    }
  }
  return std::nullopt;
}

// The list's filters and sort (docs/telnyx.md §3.1).
Check ReadConnectionQuery(const Params& params, std::string* sort_key, bool* descending) {
  if (auto e = CheckParams(params, {"filter[connection_name][contains]", "filter[fqdn]",
                                    "filter[outbound_voice_profile_id]",
                                    "filter[outbound.outbound_voice_profile_id]", "sort"})) {
    return e;
  }
  if (const std::string* v = FindParam(params, "filter[connection_name][contains]")) {
    if (v->size() < 3) {
      return BadParameter("filter[connection_name][contains]",
                          "filter[connection_name][contains] needs at least 3 characters");
    }
  }
  *sort_key = "created_at";
  *descending = false;
  if (const std::string* v = FindParam(params, "sort")) {
    *descending = v->starts_with('-');
    *sort_key = v->substr(*descending ? 1 : 0);
    if (*sort_key != "created_at" && *sort_key != "connection_name" && *sort_key != "active") {
      return BadParameter("sort",
                          "sort must be created_at, connection_name or active, with an "
                          "optional '-' for descending; got \"" +
                              *v + "\"");
    }
  }
  return std::nullopt;
}

bool MatchesConnectionFilters(const json::object& c, const Params& params,
                              const std::vector<Fqdn>& fqdns) {
  if (const std::string* v = FindParam(params, "filter[connection_name][contains]")) {
    if (Lower(std::string(c.at("connection_name").as_string())).find(Lower(*v)) ==
        std::string::npos) {
      return false;
    }
  }
  if (const std::string* v = FindParam(params, "filter[fqdn]")) {
    const bool has = std::any_of(fqdns.begin(), fqdns.end(), [&](const Fqdn& q) {
      return q.fqdn == *v && q.connection_id == c.at("id").as_string();
    });
    if (!has) return false;
  }
  for (const char* key :
       {"filter[outbound_voice_profile_id]", "filter[outbound.outbound_voice_profile_id]"}) {
    const std::string* v = FindParam(params, key);
    const json::value& profile = c.at("outbound").as_object().at("outbound_voice_profile_id");
    if (v != nullptr && !(profile.is_string() && profile.as_string() == *v)) return false;
  }
  return true;
}

}  // namespace

http::Response TelnyxApi::State::Connections(Account& account, const std::string* id,
                                             const std::string& method, const Params& params,
                                             const json::object& body) {
  if (id == nullptr && method == "GET") {
    std::string sort_key;
    bool descending = false;
    Page page;
    if (auto e = ReadConnectionQuery(params, &sort_key, &descending)) return ErrorResponse(*e);
    if (auto e = ReadPage(params, 250, &page)) return ErrorResponse(*e);
    std::vector<const Connection*> matches;
    for (const Connection& c : account.connections) {
      if (MatchesConnectionFilters(c.fields, params, account.fqdns)) matches.push_back(&c);
    }
    std::stable_sort(matches.begin(), matches.end(), [&](const Connection* a, const Connection* b) {
      auto key = [&](const Connection* c) {
        if (sort_key == "created_at") return json::value(c->seq);
        return c->fields.at(sort_key);
      };
      const json::value ka = key(a), kb = key(b);
      auto less = [](const json::value& x, const json::value& y) {
        if (x.is_bool()) return !x.as_bool() && y.as_bool();
        if (x.is_string()) return x.as_string() < y.as_string();
        return x.to_number<uint64_t>() < y.to_number<uint64_t>();
      };
      return descending ? less(kb, ka) : less(ka, kb);
    });
    std::vector<json::object> items;
    for (const Connection* c : matches) items.push_back(ConnectionJson(*c));
    return ListResponse(page, std::move(items));
  }
  Connection* existing = id != nullptr ? FindConnection(account, *id) : nullptr;
  if (id != nullptr && existing == nullptr) {
    return ErrorResponse(NotFound("FQDN connection " + *id + " not found"));
  }
  if (method == "GET") return DataResponse(200, ConnectionJson(*existing));
  if (method == "DELETE") {
    // What Telnyx does to a connection in use is undocumented (§12): refused here, the
    // stricter reading, so a client that cleans up first passes on both.
    const auto fqdns = std::count_if(account.fqdns.begin(), account.fqdns.end(),
                                     [&](const Fqdn& f) { return f.connection_id == *id; });
    const auto numbers = std::count_if(account.numbers.begin(), account.numbers.end(),
                                       [&](const Number& n) { return n.connection_id == *id; });
    if (fqdns > 0 || numbers > 0) {
      return ErrorResponse(Failure{422, "10015", "Bad Request",
                                   "FQDN connection " + *id +
                                       " is in use: " + std::to_string(fqdns) + " FQDN(s) and " +
                                       std::to_string(numbers) +
                                       " phone number(s); delete the FQDNs and detach the numbers "
                                       "first",
                                   std::nullopt, std::string("id")});
    }
    const json::object gone = ConnectionJson(*existing);
    std::erase_if(account.connections,
                  [&](const Connection& c) { return c.fields.at("id").as_string() == *id; });
    return DataResponse(200, gone);
  }
  const bool creating = existing == nullptr;
  json::object request = body;
  if (auto e = NormalizeAuthMethod(quirks, request)) return ErrorResponse(*e);
  if (creating && !request.contains("connection_name")) {
    return ErrorResponse(Invalid("/connection_name", "connection_name is required"));
  }
  Connection next;
  if (creating) {
    next.fields = json::parse(kDefaults).as_object();
  } else {
    next = *existing;
  }
  if (auto e = Apply(request, kConnection, "", creating, !quirks, next.fields)) {
    return ErrorResponse(*e);
  }
  if (auto e = CheckConnection(next, request, quirks, account.fqdns)) return ErrorResponse(*e);
  if (creating) next.fields["id"] = NewId();
  const std::string now = IsoNowMillis();
  next.fields["updated_at"] = now;
  if (creating) {
    next.fields["created_at"] = now;
    next.seq = next_seq++;
    account.connections.push_back(std::move(next));
    return DataResponse(201, ConnectionJson(account.connections.back()));
  }
  *existing = std::move(next);
  return DataResponse(200, ConnectionJson(*existing));
}

}  // namespace trunkline::emulator
