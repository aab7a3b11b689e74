// Error classification: which trunkline error a Plivo answer that is not a success (nor an
// expected absence) amounts to. The table is in README.md.
//
// Plivo's error body: {"api_id": <uuid>, "error": <text>}. Plivo's own tooling also meets
// "message", "global_error" and "data": {"error"|"message"} in its place, and bodies that are
// not JSON; the text is taken from the first of these present, else the body itself. Plivo
// has no error codes of its own: provider_code stays empty.
#include <boost/json.hpp>

#include "plivo_sync.h"
#include "trunkline/plugin_sdk/provider_errors.h"

namespace trunkline::plivo {
namespace {

namespace json = boost::json;
using plugin_sdk::ErrorCode;
using plugin_sdk::ToCode;

// At most this much of a body that is not JSON goes into a message.
constexpr size_t kMaxRawText = 200;

// Whether `word` occurs in `text` as a whole word (snake_case names count '_' as a letter).
bool Mentions(std::string_view text, std::string_view word) {
  return plugin_sdk::MentionsWord(text, word, "_");
}

std::string TextOf(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// Plivo's error text and api_id.
struct ProviderError {
  std::string text;
  std::string api_id;
};

ProviderError ParseError(const std::string& body) {
  ProviderError out;
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    out.text = body.substr(0, kMaxRawText);
    return out;
  }
  const json::object& o = v.as_object();
  if (const json::value* id = o.if_contains("api_id"); id != nullptr && id->is_string()) {
    out.api_id = std::string(id->as_string());
  }
  for (const char* key : {"error", "message", "global_error"}) {
    if (const json::value* e = o.if_contains(key); e != nullptr && !e->is_null()) {
      out.text = TextOf(*e);
      return out;
    }
  }
  if (const json::value* data = o.if_contains("data"); data != nullptr && data->is_object()) {
    for (const char* key : {"error", "message"}) {
      if (const json::value* e = data->as_object().if_contains(key); e && !e->is_null()) {
        out.text = TextOf(*e);
        return out;
      }
    }
  }
  return out;
}

// The references (field, uuid) a trunk create or update body sets, in kTrunkFields' order.
std::vector<std::pair<std::string, std::string>> ReferencesSent(const std::string& body) {
  std::vector<std::pair<std::string, std::string>> out;
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return out;
  for (const TrunkField& f : kTrunkFields) {
    if (!f.reference) continue;
    const json::value* uuid = v.as_object().if_contains(f.name);
    if (uuid != nullptr && uuid->is_string() && !uuid->as_string().empty()) {
      out.emplace_back(f.name, std::string(uuid->as_string()));
    }
  }
  return out;
}

bool IsTrunkWrite(const plugin_sdk::Step& step) {
  return step.target == "trunk" && step.request.method == "POST" &&
         (step.kind == plugin_sdk::StepKind::kCreate || step.kind == plugin_sdk::StepKind::kUpdate);
}

bool SaysMissing(std::string_view text) {
  for (const char* words : {"not exist", "not found", "does not belong", "unknown", "no such"}) {
    if (text.find(words) != std::string_view::npos) return true;
  }
  return false;
}

// The reference a refused trunk write names as missing: the one whose field or uuid the
// message names; else, for a 404 to a create (which can only be about a reference), the first
// one sent. Empty when none.
std::pair<std::string, std::string> MissingReference(const plugin_sdk::Step& step,
                                                     const plugin_sdk::HttpResponse& response) {
  if (!IsTrunkWrite(step)) return {};
  const int status = response.status;
  if (status != 404 && status != 400 && status != 422) return {};
  const std::string text = ParseError(response.body).text;
  if (status != 404 && !SaysMissing(text)) return {};
  const auto sent = ReferencesSent(step.request.body);
  for (const auto& [field, uuid] : sent) {
    if (Mentions(text, field) || text.find(uuid) != std::string::npos) return {field, uuid};
  }
  if (status == 404 && step.kind == plugin_sdk::StepKind::kCreate && !sent.empty()) {
    return sent.front();
  }
  return {};
}

// The registry field a refused request is about, when it can be told: a number's routing is
// about phone_numbers; a trunk write, the settable field its message names.
std::string RefusedField(const plugin_sdk::Step& step, std::string_view text) {
  if (step.target.starts_with(std::string(kPhoneNumbers) + "/")) return kPhoneNumbers;
  if (step.target != "trunk") return "";
  for (const TrunkField& f : kTrunkFields) {
    if (Mentions(text, f.name)) return f.name;
  }
  return "";
}

}  // namespace

bool IsMissingReference(const plugin_sdk::Step& step, const plugin_sdk::HttpResponse& response) {
  return !MissingReference(step, response).first.empty();
}

plugin_sdk::SyncError ClassifyError(const plugin_sdk::Step& step,
                                    const plugin_sdk::HttpResponse& response) {
  plugin_sdk::SyncError e = plugin_sdk::ClassifyStatus(response.status, response.headers);
  const ProviderError provider = ParseError(response.body);
  e.provider_message = provider.text;
  e.message = plugin_sdk::DescribeAnswer("Plivo", step, response.status) +
              (provider.text.empty() ? "" : ": " + provider.text) +
              (provider.api_id.empty() ? "" : " [api_id " + provider.api_id + "]");
  if (auto [field, uuid] = MissingReference(step, response); !field.empty()) {
    e.code = ToCode(ErrorCode::kFailedPrecondition);  // a 400, 404 or 422: not retryable
    e.field = field;
    e.message = field + ": " + uuid + " does not exist in the Plivo account (" + e.message + ")";
  } else if (response.status == 404 && step.target.starts_with(std::string(kPhoneNumbers) + "/")) {
    const std::string digits = step.target.substr(std::string_view(kPhoneNumbers).size() + 1);
    e.code = ToCode(ErrorCode::kFailedPrecondition);
    e.field = kPhoneNumbers;
    e.message = std::string(kPhoneNumbers) + ": " + digits +
                " is not a number of the Plivo account (" + e.message + ")";
  } else if (e.code == ToCode(ErrorCode::kInvalidArgument)) {
    e.field = RefusedField(step, provider.text);  // 400, 409, 422: a value refused
  }
  return e;
}

}  // namespace trunkline::plivo
