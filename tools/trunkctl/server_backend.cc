// The --server backend: each call is a request to trunkd's API (tools/trunkd/api.h), sent
// with http::ProviderClient (TLS verified, plain http to loopback only, --ca-file). trunkd
// answers with the same JSON shapes as the embedded backend; its errors,
// {"error": {"code", "message"}}, come back as the status they were made from, so that the
// exit code is the same too.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "backend.h"
#include "render.h"
#include "trunkline/base/overloaded.h"
#include "trunkline/base/secret_file.h"
#include "trunkline/http/provider_client.h"

namespace trunkline::trunkctl {
namespace {

namespace json = boost::json;
using domain::SubResourceKind;

constexpr size_t kMaxTokenFile = 64 << 10;
constexpr size_t kListPage = 1000;      // trunkd's largest page of trunks
constexpr size_t kEventsPage = 10'000;  // and of events
// A request refused for the token's rate (429) is sent again after the Retry-After trunkd
// names, this many times at most, when the wait is no longer than this.
constexpr int kRateLimitRetries = 3;
constexpr std::chrono::seconds kLongestRateLimitWait{30};
constexpr std::chrono::minutes kRequestTimeout{5};

// `text` with every byte but the unreserved ones (RFC 3986) percent-encoded: a path segment
// or a query value.
std::string Encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += {'%', kHex[u >> 4], kHex[u & 15]};
    }
  }
  return out;
}

// Whether `text` goes through an HTTP header unchanged: no control character, and no space
// or tab at either end (HTTP trims those).
bool FitsHeader(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return false;
  }
  return text.empty() || (text.front() != ' ' && text.back() != ' ');
}

// ?at=POSITION or ?as_of=TIME, as trunkd takes a point in the past; empty for now.
std::string PointQuery(const registry::AsOf& as_of) {
  if (as_of.position) return "at=" + std::to_string(*as_of.position);
  if (as_of.time_us) return "as_of=" + Encoded(FormatTime(*as_of.time_us));
  return "";
}

std::string PointText(const registry::AsOf& point) {
  return point.position ? std::to_string(*point.position) : FormatTime(point.time_us.value_or(0));
}

// {"name": "text", "gone": null}: what trunkd takes as a command's field changes. A field
// both set and unset cannot be said in JSON: refused as the registry refuses it.
Result<json::object> FieldsJson(const domain::FieldChanges& changes, const std::string& prefix) {
  json::object fields;
  for (const auto& [name, value] : changes.set) fields[name] = value;
  for (const std::string& name : changes.unset) {
    if (changes.set.count(name)) {
      return InvalidArgumentError(prefix + name + ": cannot be both set and unset");
    }
    fields[name] = nullptr;
  }
  return fields;
}

class ServerBackend : public Backend {
 public:
  ServerBackend(std::string url, std::string token, std::string token_source,
                std::unique_ptr<http::ProviderClient> client, bool* url_refused)
      : url_(std::move(url)),
        token_(std::move(token)),
        token_source_(std::move(token_source)),
        client_(std::move(client)),
        url_refused_(url_refused) {
    while (url_.ends_with('/')) url_.pop_back();
  }

  Result<json::object> Execute(const std::string& id, const domain::Command& command,
                               const registry::CommandMeta& meta) override {
    // The command id is the Idempotency-Key: a header, which holds no control character.
    if (!FitsHeader(meta.command_id)) {
      return InvalidArgumentError(
          "command_id: must be text without control characters or spaces at either end");
    }
    Mutation m{"POST", "/v1/trunks/" + Encoded(id), json::object{}};
    TRUNKLINE_RETURN_IF_ERROR(Shape(id, command, meta, m));
    std::vector<http::Header> headers = {{"Idempotency-Key", meta.command_id}};
    // The reason goes in X-Reason; one a header would change goes in the body instead.
    if (FitsHeader(meta.reason)) {
      if (!meta.reason.empty()) headers.push_back({"X-Reason", meta.reason});
    } else {
      m.body["reason"] = meta.reason;
    }
    if (meta.expected_version) {
      headers.push_back({"If-Match", "\"" + std::to_string(*meta.expected_version) + "\""});
    }
    TRUNKLINE_ASSIGN_OR_RETURN(json::value answer,
                               Call(m.method, m.target, &m.body, headers, &meta.command_id));
    return Object(answer);
  }

  Result<json::object> Get(const std::string& id, const registry::AsOf& as_of) override {
    const std::string query = PointQuery(as_of);
    TRUNKLINE_ASSIGN_OR_RETURN(
        json::value trunk,
        Call("GET", "/v1/trunks/" + Encoded(id) + (query.empty() ? "" : "?" + query)));
    return Object(trunk);
  }

  Result<json::array> List(const std::string& provider, const registry::AsOf& as_of) override {
    std::string query = "limit=" + std::to_string(kListPage);
    if (!provider.empty()) query += "&provider=" + Encoded(provider);
    if (const std::string point = PointQuery(as_of); !point.empty()) query += "&" + point;
    json::array trunks;
    std::string cursor;
    do {
      TRUNKLINE_ASSIGN_OR_RETURN(
          json::value page, Call("GET", "/v1/trunks?" + query +
                                            (cursor.empty() ? "" : "&cursor=" + Encoded(cursor))));
      TRUNKLINE_ASSIGN_OR_RETURN(json::object answer, Object(page));
      if (json::value* got = answer.if_contains("trunks"); got != nullptr && got->is_array()) {
        for (json::value& t : got->as_array()) trunks.push_back(std::move(t));
      }
      cursor = TextOf(answer, "next_cursor");
    } while (!cursor.empty());
    return trunks;
  }

  Result<json::array> History(const std::string& id) override {
    return Member(Call("GET", "/v1/trunks/" + Encoded(id) + "/history"), "history");
  }

  Result<json::array> Diff(const std::string& id, const registry::AsOf& from,
                           const registry::AsOf& to) override {
    return Member(Call("GET", "/v1/trunks/" + Encoded(id) + "/diff?from=" +
                                  Encoded(PointText(from)) + "&to=" + Encoded(PointText(to))),
                  "changes");
  }

  Result<json::object> Verify() override {
    TRUNKLINE_ASSIGN_OR_RETURN(json::value report, Call("GET", "/v1/journal/verify"));
    return Object(report);
  }

  // GET /v1/events a page at a time, each line passed on as trunkd wrote it.
  Status Export(uint64_t first, uint64_t last,
                const std::function<bool(const std::string&)>& line) override {
    for (uint64_t next = first; next <= last;) {
      TRUNKLINE_ASSIGN_OR_RETURN(http::Response page,
                                 Request("GET",
                                         "/v1/events?from=" + std::to_string(next) +
                                             "&limit=" + std::to_string(kEventsPage),
                                         nullptr, {}, nullptr));
      if (page.status / 100 != 2) return ErrorOf(page);
      uint64_t position = 0;
      size_t start = 0;
      for (size_t end; (end = page.body.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string record = page.body.substr(start, end - start);
        boost::system::error_code ec;
        json::value parsed = json::parse(record, ec);
        if (ec || !parsed.is_object()) return Malformed(page, "a record that is not JSON");
        position = CountOf(parsed.as_object(), "position");
        if (position < next) return Malformed(page, "records out of order");
        if (position > last || !line(record)) return OkStatus();
      }
      if (position == 0 || position == UINT64_MAX) break;  // the end of the journal
      next = position + 1;
    }
    return OkStatus();
  }

  Result<json::array> Plugins(std::vector<std::string>* refused) override {
    TRUNKLINE_ASSIGN_OR_RETURN(json::value answer, Call("GET", "/v1/plugins"));
    TRUNKLINE_ASSIGN_OR_RETURN(json::object plugins, Object(answer));
    for (const json::value& why : ArrayOf(plugins, "refused")) {
      if (why.is_string()) refused->emplace_back(why.as_string());
    }
    // The embedded listing's members.
    json::array out;
    for (const json::value& p : ArrayOf(plugins, "plugins")) {
      if (!p.is_object()) continue;
      json::object entry;
      for (const char* key : {"provider", "version", "abi", "path"}) {
        if (const json::value* v = p.as_object().if_contains(key)) entry[key] = *v;
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  Result<json::object> Schema(const std::string& provider, std::vector<std::string>*) override {
    TRUNKLINE_ASSIGN_OR_RETURN(json::value schema,
                               Call("GET", "/v1/plugins/" + Encoded(provider) + "/schema"));
    return Object(schema);
  }

  Result<json::array> SyncStatus(const std::string& id, const std::string& states) override {
    if (id.empty()) {
      return Member(Call("GET", "/v1/sync" + (states.empty() ? "" : "?state=" + Encoded(states))),
                    "trunks");
    }
    TRUNKLINE_ASSIGN_OR_RETURN(json::value one, Call("GET", "/v1/trunks/" + Encoded(id) + "/sync"));
    json::array out;
    const json::value* state = one.is_object() ? one.as_object().if_contains("state") : nullptr;
    // Not a conditional expression: its common type with "" would be a json::string copy,
    // gone before the view is read.
    std::string_view name;
    if (state != nullptr && state->is_string()) name = state->as_string();
    if (InSyncStates(name, SyncStatesOf(states))) out.push_back(std::move(one));
    return out;
  }

  // No id: every trunk that needs work.
  Result<json::array> Plan(const std::string& id) override {
    return Member(Call("GET", id.empty() ? std::string("/v1/sync/plan")
                                         : "/v1/trunks/" + Encoded(id) + "/sync/plan"),
                  "plans");
  }

  Status Retry(const std::string& id, const std::string&) override {
    return Call("POST", "/v1/trunks/" + Encoded(id) + "/sync/retry").status();
  }

  Status Policy(const std::string& id, sync::DriftPolicy policy, const std::string&) override {
    const json::object body{{"drift", sync::DriftPolicyName(policy)}};
    return Call("PUT", "/v1/trunks/" + Encoded(id) + "/sync/policy", &body).status();
  }

  Result<json::object> Import(const std::string& provider, const std::string& account,
                              const std::string&) override {
    const json::object body{{"provider", provider}, {"account", account}};
    TRUNKLINE_ASSIGN_OR_RETURN(json::value report, Call("POST", "/v1/import", &body));
    return Object(report);
  }

 private:
  struct Mutation {
    std::string method;
    std::string target;
    json::object body;
  };

  // The route, method and body of `command` on trunk `id` (m starts as POST to the trunk).
  Status Shape(const std::string& id, const domain::Command& command,
               const registry::CommandMeta& meta, Mutation& m) {
    return std::visit(Overloaded{
                          [&](const domain::CreateTrunk& c) -> Status {
                            m.target = "/v1/trunks";
                            m.body = {{"provider", c.provider}, {"account", c.account}, {"id", id}};
                            return Fields(m, c.fields, "");
                          },
                          [&](const domain::UpdateTrunk& c) -> Status {
                            m.method = "PATCH";
                            return Fields(m, c.fields, "");
                          },
                          [&](const domain::DeleteTrunk&) -> Status {
                            m.method = "DELETE";
                            return OkStatus();
                          },
                          [&](const domain::AddItem& c) -> Status {
                            TRUNKLINE_RETURN_IF_ERROR(
                                CheckKind(id, c.sub_resource, SubResourceKind::kCollection, meta));
                            m.target += "/" + Encoded(c.sub_resource);
                            m.body["id"] = c.item_id;
                            return Fields(m, c.fields, c.sub_resource + ".");
                          },
                          [&](const domain::UpdateItem& c) -> Status {
                            TRUNKLINE_RETURN_IF_ERROR(
                                CheckKind(id, c.sub_resource, SubResourceKind::kCollection, meta));
                            m.method = "PATCH";
                            m.target += "/" + Encoded(c.sub_resource) + "/" + Encoded(c.item_id);
                            return Fields(m, c.fields, c.sub_resource + ".");
                          },
                          [&](const domain::RemoveItem& c) -> Status {
                            TRUNKLINE_RETURN_IF_ERROR(
                                CheckKind(id, c.sub_resource, SubResourceKind::kCollection, meta));
                            m.method = "DELETE";
                            m.target += "/" + Encoded(c.sub_resource) + "/" + Encoded(c.item_id);
                            return OkStatus();
                          },
                          [&](const domain::UpdateSingleton& c) -> Status {
                            TRUNKLINE_RETURN_IF_ERROR(
                                CheckKind(id, c.sub_resource, SubResourceKind::kSingleton, meta));
                            m.method = "PATCH";
                            m.target += "/" + Encoded(c.sub_resource);
                            return Fields(m, c.fields, c.sub_resource + ".");
                          },
                          [&](const domain::Attach& c) -> Status {
                            TRUNKLINE_RETURN_IF_ERROR(
                                CheckKind(id, c.sub_resource, SubResourceKind::kAttachments, meta));
                            m.target += "/" + Encoded(c.sub_resource);
                            m.body["id"] = c.id;
                            return OkStatus();
                          },
                          [&](const domain::Detach& c) -> Status {
                            TRUNKLINE_RETURN_IF_ERROR(
                                CheckKind(id, c.sub_resource, SubResourceKind::kAttachments, meta));
                            m.method = "DELETE";
                            m.target += "/" + Encoded(c.sub_resource) + "/" + Encoded(c.id);
                            return OkStatus();
                          },
                      },
                      command);
  }

  static Status Fields(Mutation& m, const domain::FieldChanges& changes,
                       const std::string& prefix) {
    TRUNKLINE_ASSIGN_OR_RETURN(json::object fields, FieldsJson(changes, prefix));
    m.body["fields"] = std::move(fields);
    return OkStatus();
  }

  // trunkd picks what a sub-resource request does by the sub-resource's kind (a POST to an
  // attachments list attaches); the registry refuses a command of the wrong kind. So the
  // kind is checked here first, with the registry's own check against the provider's schema.
  // Refusals the registry makes before that one (a stale version, a deleted trunk) are left
  // to trunkd.
  Status CheckKind(const std::string& id, const std::string& sub, SubResourceKind kind,
                   const registry::CommandMeta& meta) {
    TRUNKLINE_ASSIGN_OR_RETURN(json::value got, Call("GET", "/v1/trunks/" + Encoded(id)));
    TRUNKLINE_ASSIGN_OR_RETURN(json::object trunk, Object(got));
    if (FlagOf(trunk, "deleted") ||
        (meta.expected_version && *meta.expected_version != CountOf(trunk, "version"))) {
      return OkStatus();
    }
    TRUNKLINE_ASSIGN_OR_RETURN(
        json::value schema,
        Call("GET", "/v1/plugins/" + Encoded(TextOf(trunk, "provider")) + "/schema"));
    TRUNKLINE_ASSIGN_OR_RETURN(json::object described, Object(schema));
    return domain::FindSubResource(SchemaOf(described), sub, kind).status();
  }

  // A request whose answer is a JSON value (2xx), or trunkd's error as a status. `command_id`
  // names a command whose outcome is unknown when no answer comes.
  Result<json::value> Call(const std::string& method, const std::string& target,
                           const json::object* body = nullptr,
                           std::vector<http::Header> headers = {},
                           const std::string* command_id = nullptr) {
    TRUNKLINE_ASSIGN_OR_RETURN(http::Response r,
                               Request(method, target, body, std::move(headers), command_id));
    if (r.status / 100 != 2) return ErrorOf(r);
    boost::system::error_code ec;
    json::value parsed = json::parse(r.body, ec);
    if (ec) return Malformed(r, "an answer that is not JSON");
    return parsed;
  }

  Result<http::Response> Request(const std::string& method, const std::string& target,
                                 const json::object* body, std::vector<http::Header> headers,
                                 const std::string* command_id) {
    http::Request request{method, target, std::move(headers), ""};
    request.headers.push_back({"Authorization", "Bearer " + token_});
    request.headers.push_back({"Accept", "application/json"});
    if (body != nullptr) {
      request.body = SerializeJson(*body);
      request.headers.push_back({"Content-Type", "application/json"});
    }
    for (int retries = 0;; ++retries) {
      Result<http::Response> r = client_->Send(url_, request);
      if (!r.ok()) return Unanswered(r.status(), command_id);
      if (r->status == 429 && retries < kRateLimitRetries) {
        const std::optional<std::string> after = http::FindHeader(r->headers, "Retry-After");
        Result<uint64_t> seconds = ParseCount(after.value_or(""));
        if (seconds.ok() && *seconds <= uint64_t(kLongestRateLimitWait.count())) {
          std::this_thread::sleep_for(std::chrono::seconds(*seconds));
          continue;
        }
      }
      return r;
    }
  }

  // A request that got no answer: why, in words a user acts on.
  Status Unanswered(const Status& s, const std::string* command_id) {
    switch (s.code()) {
      case StatusCode::kUnavailable:  // nothing was sent
        return Status(StatusCode::kUnavailable,
                      "cannot reach trunkd at " + url_ + ": " + s.message());
      case StatusCode::kDeadlineExceeded:
        return Status(
            StatusCode::kDeadlineExceeded,
            "trunkd at " + url_ + " did not answer: " + s.message() +
                (command_id == nullptr
                     ? ""
                     : "; the change may have been made: run the command again with "
                       "--command-id " +
                           *command_id + " to learn its outcome (it is not applied twice)"));
      case StatusCode::kInvalidArgument:  // the URL (headers were checked before)
        *url_refused_ = true;
        return Status(StatusCode::kInvalidArgument, "--server " + url_ + ": " + s.message());
      default:
        return s.WithContext("trunkd at " + url_);
    }
  }

  // trunkd's {"error": {"code", "message"}} as the status it was made from.
  Status ErrorOf(const http::Response& r) const {
    boost::system::error_code ec;
    json::value parsed = json::parse(r.body, ec);
    const json::object* error = nullptr;
    if (!ec && parsed.is_object()) {
      const json::value* e = parsed.as_object().if_contains("error");
      if (e != nullptr && e->is_object()) error = &e->as_object();
    }
    if (error == nullptr || !error->contains("code")) {
      return Malformed(r, "an error without trunkd's error body");
    }
    const std::string message = TextOf(*error, "message");
    if (r.status == 401) {
      return Status(
          StatusCode::kUnauthenticated,
          "trunkd at " + url_ + " did not accept the token from " + token_source_ + ": " + message);
    }
    return Status(StatusCodeNamed(TextOf(*error, "code")), message);
  }

  Status Malformed(const http::Response& r, const std::string& what) const {
    return Status(StatusCode::kUnknown, "trunkd at " + url_ + " answered HTTP " +
                                            std::to_string(r.status) + " with " + what + ": " +
                                            r.body.substr(0, 200));
  }

  static Result<json::object> Object(json::value& value) {
    if (!value.is_object()) return Status(StatusCode::kUnknown, "trunkd's answer is not an object");
    return std::move(value.as_object());
  }

  static Result<json::array> Member(Result<json::value> answer, const char* name) {
    if (!answer.ok()) return answer.status();
    json::value* member = answer->is_object() ? answer->as_object().if_contains(name) : nullptr;
    if (member == nullptr || !member->is_array()) {
      return Status(StatusCode::kUnknown,
                    std::string("trunkd's answer has no list \"") + name + "\"");
    }
    return std::move(member->as_array());
  }

  std::string url_;
  std::string token_;
  std::string token_source_;  // "$TRUNKLINE_TOKEN" or "--token-file FILE": never the token
  std::unique_ptr<http::ProviderClient> client_;
  bool* url_refused_;
};

}  // namespace

Result<std::string> ReadTokenFile(const std::string& path) {
  Result<std::string> text = ReadSecretFile(path, kMaxTokenFile);
  if (!text.ok()) return text.status().WithContext("--token-file " + path);
  return text;
}

Result<std::unique_ptr<Backend>> MakeServerBackend(const Options& o, std::string token,
                                                   std::string token_source, bool* url_refused) {
  // A token goes in a header as it is: it must be one word of printable text.
  if (token.empty() || token.find(' ') != std::string::npos || !FitsHeader(token)) {
    return InvalidArgumentError("the token from " + token_source +
                                " must be one word of printable text (it is not shown)");
  }
  http::ProviderClientOptions options;
  options.ca_file = o.ca_file;
  options.timeout = kRequestTimeout;
  options.user_agent = std::string("trunkctl/") + TRUNKLINE_VERSION;
  Result<std::unique_ptr<http::ProviderClient>> client = http::ProviderClient::Create(options);
  if (!client.ok()) return client.status().WithContext("--ca-file");
  return std::unique_ptr<Backend>(std::make_unique<ServerBackend>(
      o.server, std::move(token), std::move(token_source), std::move(*client), url_refused));
}

}  // namespace trunkline::trunkctl
