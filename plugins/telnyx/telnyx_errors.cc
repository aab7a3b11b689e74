// Error classification: which trunkline error a Telnyx answer that is not a success (nor an
// expected absence) amounts to. The table is in README.md.
//
// Telnyx's error envelope:
//   {"errors": [{"code": "10015", "title": "Bad Request", "detail": "...",
//                "source": {"pointer": "/inbound/dnis_number_format"} | {"parameter": "..."},
//                "meta": {"url": "..."}}]}
// `code` is a string in the OpenAPI file and a number in one documented sample: both are read.
// The first error is the one reported.
#include <strings.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "telnyx_sync.h"

namespace trunkline::telnyx {
namespace {

namespace json = boost::json;

// Trunkline's status codes (the numbering of ABI.md).
constexpr int32_t kInvalidArgument = 3;
constexpr int32_t kNotFound = 5;
constexpr int32_t kPermissionDenied = 7;
constexpr int32_t kResourceExhausted = 8;
constexpr int32_t kFailedPrecondition = 9;
constexpr int32_t kInternal = 13;
constexpr int32_t kUnavailable = 14;
constexpr int32_t kUnauthenticated = 16;

// At most this much of a body that is not Telnyx's envelope goes into a message.
constexpr size_t kMaxRawText = 200;

std::string TextOf(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? std::string(v->as_string()) : json::serialize(*v);
}

// The registry field a JSON pointer into a request body names: "/connection_name" on the
// connection, "/inbound/ani_number_format" as "inbound.ani_number_format", "/fqdn" on an FQDN
// item as "fqdns.<item>.fqdn". Empty when the pointer names no field the registry holds.
std::string FieldOf(const plugin_sdk::Step& step, std::string_view pointer) {
  if (!pointer.starts_with('/') || pointer.size() < 2) return "";
  std::string path(pointer.substr(1));
  std::string part, name = path;
  if (const size_t slash = path.find('/'); slash != std::string::npos) {
    part = path.substr(0, slash);
    name = path.substr(slash + 1);
  }
  if (name == "ip_authentication_method") name = "fqdn_authentication_method";
  if (step.target == "trunk") {
    for (const FieldMap& f : kConnectionFields) {
      if (part == f.part && name == f.name) return part.empty() ? name : part + "." + name;
    }
    return "";
  }
  if (step.target.starts_with(std::string(kFqdns) + "/") && part.empty()) {
    for (const FieldMap& f : kFqdnFields) {
      if (name == f.name) return step.target + "/" + name;
    }
  }
  return "";
}

// The field a refused request is about: a number's routing is about phone_numbers; else the
// field source.pointer names.
std::string RefusedField(const plugin_sdk::Step& step, const TelnyxError& error) {
  if (step.target.starts_with(std::string(kPhoneNumbers) + "/")) return kPhoneNumbers;
  std::string field = FieldOf(step, error.pointer);
  // "fqdns/<item>/<field>" as the registry names an item's field: "fqdns.<item>.<field>".
  std::replace(field.begin(), field.end(), '/', '.');
  return field;
}

const std::string* Header(const plugin_sdk::NameValues& headers, const char* name) {
  for (const auto& [key, value] : headers) {
    if (strcasecmp(key.c_str(), name) == 0) return &value;
  }
  return nullptr;
}

std::optional<int64_t> Count(const std::string* text, int64_t max) {
  if (text == nullptr) return std::nullopt;
  int64_t n = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, n);
  if (ec != std::errc() || ptr != end || n < 0 || n > max) return std::nullopt;
  return n;
}

// The delay before a retry: Retry-After-Ms, Retry-After as delta-seconds (an HTTP-date needs a
// clock, which the adapter has none of), else x-ratelimit-reset (seconds until the window
// resets, Telnyx's documented header).
std::optional<int64_t> RetryAfterMs(const plugin_sdk::NameValues& headers) {
  constexpr int64_t kDay = 86'400;
  if (auto ms = Count(Header(headers, "Retry-After-Ms"), kDay * 1000)) return *ms;
  if (auto s = Count(Header(headers, "Retry-After"), kDay)) return *s * 1000;
  if (auto s = Count(Header(headers, "x-ratelimit-reset"), kDay)) return *s * 1000;
  return std::nullopt;
}

}  // namespace

TelnyxError ParseError(const std::string& body) {
  TelnyxError out;
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  const json::value* errors = !ec && v.is_object() ? v.as_object().if_contains("errors") : nullptr;
  if (errors == nullptr || !errors->is_array() || errors->as_array().empty() ||
      !errors->as_array().front().is_object()) {
    return out;
  }
  const json::object& e = errors->as_array().front().as_object();
  out.code = TextOf(e, "code");
  out.title = TextOf(e, "title");
  out.detail = TextOf(e, "detail");
  if (const json::value* source = e.if_contains("source"); source && source->is_object()) {
    out.pointer = TextOf(source->as_object(), "pointer");
    out.parameter = TextOf(source->as_object(), "parameter");
  }
  return out;
}

plugin_sdk::SyncError ClassifyError(const plugin_sdk::Step& step,
                                    const plugin_sdk::HttpResponse& response) {
  plugin_sdk::SyncError e;
  const TelnyxError error = ParseError(response.body);
  const bool envelope = !error.code.empty() || !error.title.empty() || !error.detail.empty();
  e.provider_code = error.code;
  e.provider_message = !envelope ? response.body.substr(0, kMaxRawText)
                       : error.detail.empty() ? error.title
                       : error.title.empty()  ? error.detail
                                              : error.title + ": " + error.detail;
  const int status = response.status;
  e.message = "Telnyx answered " + std::to_string(status) + " to " + step.request.method + " " +
              step.request.path + " (" + step.target + ")" +
              (e.provider_message.empty() ? "" : ": " + e.provider_message) +
              (error.code.empty() ? "" : " [code " + error.code + "]");
  if (status == 429) {
    e.code = kResourceExhausted;
    e.retryable = true;
    e.retry_after_ms = RetryAfterMs(response.headers);
  } else if (status >= 500) {
    e.code = kUnavailable;
    e.retryable = true;
  } else if (status == 401) {
    e.code = kUnauthenticated;
  } else if (status == 403) {
    e.code = kPermissionDenied;
  } else if (status == 404 && step.target.starts_with(std::string(kPhoneNumbers) + "/")) {
    e.code = kFailedPrecondition;
    e.field = kPhoneNumbers;
  } else if (status == 404) {
    e.code = kNotFound;
  } else if (status == 405 || status == 415) {
    e.code = kInternal;  // a request Telnyx's API does not take: the adapter's own fault
  } else if (status >= 400) {
    // 10013 missing association, 10017 associated resource does not exist: a reference (an
    // outbound voice profile, say) names nothing of the account.
    e.code = error.code == "10013" || error.code == "10017" ? kFailedPrecondition
                                                              : kInvalidArgument;
    e.field = RefusedField(step, error);
  } else {
    e.code = kUnavailable;  // not an error status, yet not the answer expected either
    e.retryable = true;
  }
  return e;
}

}  // namespace trunkline::telnyx
