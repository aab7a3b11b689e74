#include "api.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/url/parse.hpp>
#include <cmath>

#include "api_call.h"
#include "trunkline/api/parse.h"
#include "trunkline/api/text.h"

namespace trunkline::trunkd {

int HttpStatusOf(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAborted:
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
      return 422;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return 503;
    default:
      return 500;
  }
}

boost::json::object ErrorJson(const Status& status) {
  boost::json::object error{{"code", std::string(StatusCodeName(status.code()))},
                            {"message", status.message()}};
  // "fields.domain_name: must be unique ..." names its field; a sentence does not.
  const std::string& m = status.message();
  const size_t colon = m.find(": ");
  if (colon != std::string::npos && colon > 0 && m.find(' ') > colon) {
    error["field"] = m.substr(0, colon);
  }
  return {{"error", std::move(error)}};
}

void Api::Call::Answer(http::Response response) {
  if (answered.exchange(true)) return;
  const double seconds = Seconds();
  metrics->Request(route, response.status, seconds);
  log->Request({{"method", request.method},
                {"route", route},
                {"status", response.status},
                {"actor", caller.name},
                {"ms", std::round(seconds * 1e6) / 1000}});
  respond(std::move(response));
}

void Api::Call::Json(int status, const boost::json::value& body) {
  Answer(http::Response{
      status, {{"Content-Type", "application/json"}}, api::SerializeJson(body) + "\n"});
}

void Api::Call::Fail(const Status& status) { Json(HttpStatusOf(status), ErrorJson(status)); }

void Api::Call::BadRequest(const std::string& field, const std::string& rule) {
  Json(400, {{"error",
              {{"code", "INVALID_ARGUMENT"}, {"message", field + ": " + rule}, {"field", field}}}});
}

const std::string* Api::Call::Param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? nullptr : &it->second;
}

std::optional<uint64_t> Api::Call::Count(const std::string& name, uint64_t fallback, uint64_t min,
                                         uint64_t max) {
  const std::string* text = Param(name);
  if (text == nullptr) return fallback;
  Result<uint64_t> n = api::ParseCount(*text);
  if (!n.ok() || *n < min || *n > max) {
    BadRequest(name,
               "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return *n;
}

std::optional<std::string> Api::Call::Header(std::string_view name) const {
  return http::FindHeader(request.headers, name);
}

std::optional<boost::json::object> Api::Call::Body() {
  if (request.body.empty()) return boost::json::object{};
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(request.body, ec);
  if (ec) {
    BadRequest("body", "must be JSON (" + ec.message() + ")");
    return std::nullopt;
  }
  if (!parsed.is_object()) {
    BadRequest("body", "must be a JSON object");
    return std::nullopt;
  }
  return std::move(parsed.as_object());
}

bool Api::Call::OnlyMembers(const boost::json::object& body,
                            std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : body) {
    if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) != allowed.end()) {
      continue;
    }
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    BadRequest(std::string(key), "is not a member of this request, which takes " + list);
    return false;
  }
  return true;
}

double Api::Call::Seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The sync ledger is caught up with the whole journal at once, in the background: the first
// request that reads a sync status would otherwise wait for it, and every other behind it.
// A failure here is met again, and answered, by that request.
Api::Api(ApiParts parts, ApiOptions options) : parts_(parts), options_(options) {
  boost::asio::post(ops_, [this] {
    std::lock_guard lock(ledger_mu_);
    ledger_.CatchUp(parts_.registry->journal()).IgnoreError();
  });
}
Api::~Api() = default;

// A token bucket per token name.
bool Api::Admit(const Caller& caller, std::chrono::milliseconds* retry_after) {
  if (options_.rate_per_token <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(buckets_mu_);
  auto [it, fresh] = buckets_.try_emplace(caller.name, Bucket{double(options_.burst), now});
  Bucket& b = it->second;
  b.tokens = std::min<double>(
      options_.burst,
      b.tokens + std::chrono::duration<double>(now - b.last).count() * options_.rate_per_token);
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after = std::chrono::milliseconds(
      static_cast<int64_t>((1 - b.tokens) / options_.rate_per_token * 1000) + 1);
  return false;
}

void Api::Handle(const http::Request& request, http::Respond respond) {
  auto call = std::make_shared<Call>();
  call->request = request;
  call->respond = std::move(respond);
  call->metrics = parts_.metrics;
  call->log = parts_.log;
  call->route = request.method + " ?";
  auto target = boost::urls::parse_origin_form(request.target);
  if (!target) {
    call->route = request.method + " (malformed)";
    return call->BadRequest("target", "must be a path with an optional query");
  }
  for (auto segment : target->segments()) call->path.push_back(segment);
  for (auto param : target->params()) call->query[param.key] = param.value;
  // Health needs no token: a load balancer asks it.
  if (call->path == std::vector<std::string>{"healthz"}) {
    call->route = "GET /healthz";
    return call->Json(200, {{"status", "ok"}});
  }
  const std::optional<std::string> authorization = call->Header("Authorization");
  const std::optional<Caller> caller =
      authorization ? parts_.tokens->Authenticate(*authorization) : std::nullopt;
  if (!caller) {
    call->route = request.method + " (unauthenticated)";
    call->Answer(http::Response{
        401,
        {{"Content-Type", "application/json"}, {"WWW-Authenticate", "Bearer realm=\"trunkd\""}},
        api::SerializeJson(
            ErrorJson(Status(StatusCode::kUnauthenticated,
                             "Authorization: must be \"Bearer <token>\" with a token "
                             "trunkd knows"))) +
            "\n"});
    return;
  }
  call->caller = *caller;
  std::chrono::milliseconds retry_after{0};
  if (!Admit(*caller, &retry_after)) {
    call->route = request.method + " (rate limited)";
    const std::string seconds = std::to_string((retry_after.count() + 999) / 1000);
    call->Answer(http::Response{429,
                                {{"Content-Type", "application/json"}, {"Retry-After", seconds}},
                                api::SerializeJson(ErrorJson(ResourceExhaustedError(
                                    "token " + caller->name + ": over its rate of " +
                                    std::to_string(options_.rate_per_token) +
                                    " requests/s; retry after " + seconds + " s"))) +
                                    "\n"});
    return;
  }
  const bool reads = request.method == "GET" || request.method == "HEAD";
  if (!reads && caller->role != Role::kWrite) {
    call->route = request.method + " (read-only token)";
    call->Answer(http::Response{
        403,
        {{"Content-Type", "application/json"}},
        api::SerializeJson(ErrorJson(
            Status(StatusCode::kPermissionDenied, "token " + caller->name +
                                                      ": has the read role; changes need a write "
                                                      "token"))) +
            "\n"});
    return;
  }
  Route(call);
}

void Api::Route(const std::shared_ptr<Call>& call) {
  const auto& p = call->path;
  const std::string& method = call->request.method;
  const auto no_route = [&] {
    call->route = method + " (no route)";
    call->Fail(
        NotFoundError("no route for " + method + " " +
                      std::string(call->request.target.substr(0, call->request.target.find('?')))));
  };
  if (p.size() == 1 && p[0] == "readyz") {
    call->route = "GET /readyz";
    return Ready(call);
  }
  if (p.size() == 1 && p[0] == "metrics") {
    call->route = "GET /metrics";
    return MetricsText(call);
  }
  if (p.size() < 2 || p[0] != "v1") return no_route();
  const std::string& area = p[1];
  if (area == "trunks") {
    if (p.size() == 2 && method == "POST") {
      call->route = "POST /v1/trunks";
      return CreateTrunk(call);
    }
    if (p.size() == 2 && method == "GET") {
      call->route = "GET /v1/trunks";
      return ListTrunks(call);
    }
    if (p.size() >= 3) return TrunkRoutes(call);
  }
  if (area == "events" && p.size() == 2 && method == "GET") {
    call->route = "GET /v1/events";
    return Events(call);
  }
  if (area == "events" && p.size() == 3 && p[2] == "stream" && method == "GET") {
    call->route = "GET /v1/events/stream";
    return EventStream(call);
  }
  if (area == "journal" && p.size() == 3 && p[2] == "verify" && method == "GET") {
    call->route = "GET /v1/journal/verify";
    return Verify(call);
  }
  if (area == "sync" && p.size() == 2 && method == "GET") {
    call->route = "GET /v1/sync";
    return SyncAll(call);
  }
  if (area == "sync" && p.size() == 3 && p[2] == "plan" && method == "GET") {
    call->route = "GET /v1/sync/plan";
    return Plan(call, "");
  }
  if (area == "import" && p.size() == 2 && method == "POST") {
    call->route = "POST /v1/import";
    return Import(call);
  }
  if (area == "plugins" && method == "GET" && (p.size() == 2 || p.size() == 4)) {
    call->route = p.size() == 2 ? "GET /v1/plugins" : "GET /v1/plugins/{provider}/schema";
    if (p.size() == 4 && p[3] != "schema") return no_route();
    return Plugins(call);
  }
  no_route();
}

}  // namespace trunkline::trunkd
