// Error classification: which trunkline error a Twilio answer that is not a success (nor an
// expected absence) amounts to. The table is in README.md.
//
// Twilio's error body: {"code": <int>, "message": <str>, "more_info": <url>, "status": <int>}.
#include <strings.h>

#include <boost/json.hpp>
#include <cctype>
#include <charconv>

#include "twilio_sync.h"

namespace trunkline::twilio {
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

// Whether `word` occurs in `text` as a whole word.
bool Mentions(std::string_view text, std::string_view word) {
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const size_t end = at + word.size();
    const bool before = at == 0 || !std::isalnum(static_cast<unsigned char>(text[at - 1]));
    const bool after = end == text.size() || !std::isalnum(static_cast<unsigned char>(text[end]));
    if (before && after) return true;
  }
  return false;
}

template <size_t N>
const char* FieldNamed(const ParamName (&params)[N], std::string_view message) {
  for (const ParamName& p : params) {
    if (Mentions(message, p.param)) return p.field;
  }
  return nullptr;
}

bool IsAssociation(std::string_view part) {
  for (const Association& a : kAssociations) {
    if (part == a.sub_resource) return true;
  }
  return false;
}

// The registry field (or sub-resource) a refused request is about, when it can be told: the
// Twilio code, or the form parameter its message names, of the part the step writes.
std::string RefusedField(std::string_view part, std::string_view item, int64_t code,
                         std::string_view message) {
  if (IsAssociation(part)) return std::string(part);
  if (part == "trunk") {
    if (code == 21248) return "domain_name";  // Trunk Domain already taken
    if (code == 20002) return "friendly_name";
    const char* field = FieldNamed(kTrunkParams, message);
    return field ? field : "";
  }
  if (part == kRecording) {
    const char* field = FieldNamed(kRecordingParams, message);
    return std::string(kRecording) + (field ? std::string(".") + field : "");
  }
  if (part == kOriginationUrls) {
    const char* field =
        code == 20002 ? "friendly_name" : FieldNamed(kOriginationUrlParams, message);
    return std::string(kOriginationUrls) + "." + std::string(item) +
           (field ? std::string(".") + field : "");
  }
  return "";
}

// Retry-After as delta-seconds (an HTTP-date needs a clock, which the adapter has none of).
std::optional<int64_t> RetryAfterMs(const plugin_sdk::NameValues& headers) {
  for (const auto& [name, value] : headers) {
    if (strcasecmp(name.c_str(), "Retry-After") != 0) continue;
    int64_t seconds = 0;
    const char* end = value.data() + value.size();
    auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
    if (ec == std::errc() && ptr == end && seconds >= 0 && seconds <= 86'400) {
      return seconds * 1000;
    }
  }
  return std::nullopt;
}

}  // namespace

plugin_sdk::SyncError ClassifyError(const plugin_sdk::Step& step,
                                    const plugin_sdk::HttpResponse& response) {
  plugin_sdk::SyncError e;
  int64_t code = 0;
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    const json::object& b = body.as_object();
    if (const json::value* c = b.if_contains("code"); c != nullptr && c->is_int64()) {
      code = c->as_int64();
      e.provider_code = std::to_string(code);
    }
    if (const json::value* m = b.if_contains("message"); m != nullptr && m->is_string()) {
      e.provider_message = std::string(m->as_string());
    }
  }
  const std::string& target = step.target;
  const size_t slash = target.find('/');
  const std::string part = target.substr(0, slash);
  const std::string item = slash == std::string::npos ? "" : target.substr(slash + 1);
  e.message = "Twilio answered " + std::to_string(response.status) + " to " + step.request.method +
              " " + step.request.path + " (" + target + ")" +
              (e.provider_message.empty() ? "" : ": " + e.provider_message);
  const int status = response.status;
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
  } else if (status == 404 && step.kind == plugin_sdk::StepKind::kCreate && IsAssociation(part)) {
    e.code = kFailedPrecondition;
    e.field = part;
    e.message = part + ": " + item + " does not exist in the Twilio account (" + e.message + ")";
  } else if (status == 404) {
    e.code = kNotFound;
  } else if (status == 405 || status == 415) {
    e.code = kInternal;  // a request Twilio's API does not take: the adapter's own fault
  } else if (status >= 400) {
    e.code = kInvalidArgument;
    e.field = RefusedField(part, item, code, e.provider_message);
  } else {
    e.code = kUnavailable;  // not an error status, yet not the answer expected either
    e.retryable = true;
  }
  return e;
}

}  // namespace trunkline::twilio
