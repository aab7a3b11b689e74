// Error classification: which trunkline error a Twilio answer that is not a success (nor an
// expected absence) amounts to. The table is in README.md.
//
// Twilio's error body: {"code": <int>, "message": <str>, "more_info": <url>, "status": <int>}.
#include <boost/json.hpp>

#include "trunkline/plugin_sdk/provider_errors.h"
#include "trunkline/plugin_sdk/sync_helpers.h"
#include "twilio_sync.h"

namespace trunkline::twilio {
namespace {

namespace json = boost::json;
using plugin_sdk::ErrorCode;
using plugin_sdk::ToCode;

template <size_t N>
const char* FieldNamed(const ParamName (&params)[N], std::string_view message) {
  for (const ParamName& p : params) {
    if (plugin_sdk::MentionsWord(message, p.param)) return p.field;
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

}  // namespace

plugin_sdk::SyncError ClassifyError(const plugin_sdk::Step& step,
                                    const plugin_sdk::HttpResponse& response) {
  plugin_sdk::SyncError e = plugin_sdk::ClassifyStatus(response.status, response.headers);
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
  const auto [part, item] = plugin_sdk::SplitTarget(step.target);
  e.message = plugin_sdk::DescribeAnswer("Twilio", step, response.status) +
              (e.provider_message.empty() ? "" : ": " + e.provider_message);
  if (response.status == 404 && step.kind == plugin_sdk::StepKind::kCreate && IsAssociation(part)) {
    e.code = ToCode(ErrorCode::kFailedPrecondition);
    e.field = part;
    e.message = part + ": " + item + " does not exist in the Twilio account (" + e.message + ")";
  } else if (e.code == ToCode(ErrorCode::kInvalidArgument)) {
    e.field = RefusedField(part, item, code, e.provider_message);
  }
  return e;
}

}  // namespace trunkline::twilio
