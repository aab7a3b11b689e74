#include "telnyx_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include "common.h"
#include "secrets.h"
#include "telnyx_state.h"

namespace trunkline::emulator {
namespace json = boost::json;

namespace telnyx {

Failure Invalid(std::string pointer, std::string detail) {
  Failure f;
  f.detail = std::move(detail);
  f.pointer = std::move(pointer);
  return f;
}

Failure BadParameter(std::string parameter, std::string detail) {
  Failure f;
  f.status = 400;
  f.detail = std::move(detail);
  f.parameter = std::move(parameter);
  return f;
}

Failure NotFound(std::string detail) {
  return Failure{404, "10005", "Resource not found", std::move(detail), std::nullopt, std::nullopt};
}

// docs/telnyx.md §2.2: {"errors": [{code (a string), title, detail, source, meta.url}]}.
http::Response ErrorResponse(const Failure& f) {
  json::object error{{"code", f.code}, {"title", f.title}, {"detail", f.detail}};
  if (f.pointer) error["source"] = json::object{{"pointer", *f.pointer}};
  if (f.parameter) error["source"] = json::object{{"parameter", *f.parameter}};
  error["meta"] =
      json::object{{"url", "https://developers.telnyx.com/docs/overview/errors/" + f.code}};
  return JsonResponse(f.status, json::object{{"errors", json::array{std::move(error)}}});
}

http::Response DataResponse(int status, json::value data) {
  return JsonResponse(status, json::object{{"data", std::move(data)}});
}

const std::string* FindParam(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

bool IsId(std::string_view s) {
  return !s.empty() && s.size() <= 19 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

namespace {

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

// docs/telnyx.md §2.1.
Check ReadPage(const Params& params, int64_t default_size, Page* page) {
  page->size = default_size;
  if (const std::string* v = FindParam(params, "page[number]")) {
    const auto n = ParseInt(*v);
    if (!n || *n < 1) {
      return BadParameter("page[number]",
                          "page[number] must be an integer of 1 or more, got \"" + *v + "\"");
    }
    page->number = *n;
  }
  if (const std::string* v = FindParam(params, "page[size]")) {
    const auto n = ParseInt(*v);
    if (!n || *n < 1 || *n > 250) {
      return BadParameter("page[size]",
                          "page[size] must be an integer from 1 to 250, got \"" + *v + "\"");
    }
    page->size = *n;
  }
  return std::nullopt;
}

// A misspelt filter is refused rather than ignored: ignored, it would list everything.
Check CheckParams(const Params& params, std::initializer_list<std::string_view> known) {
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& key = params[i].first;
    const bool ok = key == "page[number]" || key == "page[size]" ||
                    std::find(known.begin(), known.end(), key) != known.end();
    if (!ok) {
      std::string list = "page[number], page[size]";
      for (std::string_view k : known) list += ", " + std::string(k);
      return BadParameter(key, "unknown query parameter " + key + "; this list takes " + list);
    }
    for (size_t j = 0; j < i; ++j) {
      if (params[j].first == key) return BadParameter(key, key + " is given more than once");
    }
  }
  return std::nullopt;
}

http::Response ListResponse(const Page& page, std::vector<json::object> items) {
  const int64_t total = static_cast<int64_t>(items.size());
  json::array data;
  // A page past the last is empty, with the same meta (docs/telnyx.md §12 leaves it open).
  // Pages past the last are skipped before multiplying: page[number] may be near 2^63.
  const int64_t first =
      page.number - 1 <= total / page.size ? (page.number - 1) * page.size : total;
  for (int64_t i = first; i < total && i < first + page.size; ++i) {
    data.emplace_back(std::move(items[static_cast<size_t>(i)]));
  }
  json::object meta{{"page_number", page.number},
                    {"page_size", page.size},
                    {"total_pages", (total + page.size - 1) / page.size},
                    {"total_results", total}};
  return JsonResponse(200, json::object{{"data", std::move(data)}, {"meta", std::move(meta)}});
}

namespace {

// The bearer token of the request, if it has one.
std::optional<std::string> BearerToken(const http::Request& request) {
  const std::optional<std::string> header = http::FindHeader(request.headers, "Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (!header || header->size() <= kScheme.size() ||
      Lower(header->substr(0, kScheme.size())) != kScheme) {
    return std::nullopt;
  }
  return header->substr(kScheme.size());
}

// Query brackets as clients type them (page[size]=5) are not valid URI characters; they are
// read as if they had been percent-encoded.
std::string EncodeQueryBrackets(const std::string& target) {
  const size_t query = target.find('?');
  if (query == std::string::npos) return target;
  std::string out = target.substr(0, query + 1);
  for (size_t i = query + 1; i < target.size(); ++i) {
    if (target[i] == '[') {
      out += "%5B";
    } else if (target[i] == ']') {
      out += "%5D";
    } else {
      out += target[i];
    }
  }
  return out;
}

http::Response MethodNotAllowed(const std::string& method, const std::string& allow) {
  Failure f{405,
            "10015",
            "Method Not Allowed",
            "method " + method + " not allowed; use " + allow,
            std::nullopt,
            std::nullopt};
  http::Response r = ErrorResponse(f);
  r.headers.push_back({"Allow", allow});
  return r;
}

// Whether `method` is one of the comma-separated `allow`.
bool Allowed(std::string_view allow, std::string_view method) {
  for (size_t start = 0; start < allow.size();) {
    size_t comma = allow.find(',', start);
    if (comma == std::string_view::npos) comma = allow.size();
    if (allow.substr(start, comma - start) == method) return true;
    start = allow.find_first_not_of(' ', comma + 1);
  }
  return false;
}

// Letters, digits and '-' in labels of 1-63 between dots, at most 253 in all: a host name,
// without a scheme, user part or port (docs/telnyx.md §4).
bool IsHostName(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    const std::string_view label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-' ||
        !std::all_of(label.begin(), label.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        })) {
      return false;
    }
    start = dot + 1;
  }
  return true;
}

}  // namespace
}  // namespace telnyx

using namespace telnyx;

std::string TelnyxApi::State::NewId() {
  while (true) {
    // 19 digits, the first 1-8: always below 2^63.
    std::string id(1, static_cast<char>('1' + id_rng() % 8));
    while (id.size() < 19) id += static_cast<char>('0' + id_rng() % 10);
    if (ids.insert(id).second) return id;
  }
}

Account* TelnyxApi::State::AccountByKey(std::string_view api_key) {
  for (Account& a : accounts) {
    if (a.api_key == api_key) return &a;
  }
  return nullptr;
}

http::Response TelnyxApi::State::Handle(const http::Request& request) {
  // Authentication comes before routing, so a stranger learns nothing about paths.
  const std::optional<std::string> key = BearerToken(request);
  Account* account = key ? AccountByKey(*key) : nullptr;
  if (account == nullptr) {
    return ErrorResponse(Failure{401, "10009", "Authentication failed",
                                 "Could not understand the provided credentials.", std::nullopt,
                                 std::nullopt});
  }
  const std::optional<Target> target = ParseTarget(EncodeQueryBrackets(request.target));
  if (!target) return ErrorResponse(BadParameter("", "the request target is malformed"));
  std::vector<std::string> parts;
  for (size_t start = 1; start <= target->path.size();) {
    size_t slash = target->path.find('/', start);
    if (slash == std::string::npos) slash = target->path.size();
    parts.push_back(target->path.substr(start, slash - start));
    start = slash + 1;
  }
  const bool known =
      (parts.size() == 2 || parts.size() == 3) && parts[0] == "v2" &&
      (parts[1] == "fqdn_connections" || parts[1] == "fqdns" || parts[1] == "phone_numbers");
  if (!known || (parts.size() == 3 && parts[2].empty())) {
    return ErrorResponse(NotFound("no such resource: " + target->path +
                                  "; the emulator serves /v2/fqdn_connections, /v2/fqdns and "
                                  "/v2/phone_numbers"));
  }
  const std::string* id = parts.size() == 3 ? &parts[2] : nullptr;
  const std::string& method = request.method;
  const bool numbers = parts[1] == "phone_numbers";
  const std::string allow = id != nullptr ? (numbers ? "GET, PATCH" : "GET, PATCH, DELETE")
                                          : (numbers ? "GET" : "GET, POST");
  if (!Allowed(allow, method)) {
    return MethodNotAllowed(method, allow);
  }
  if (id != nullptr && !IsId(*id)) {
    return ErrorResponse(
        Failure{422, "10006", "Invalid ID",
                "the id in the path must be 1 to 19 decimal digits, got \"" + *id + "\"",
                std::nullopt, std::string("id")});
  }
  json::object body;
  if ((method == "POST" || method == "PATCH") &&
      request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    json::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (ec || !parsed.is_object()) {
      return ErrorResponse(Failure{400, "10015", "Bad Request",
                                   "The request body is not well-formed: a JSON object is needed",
                                   std::string("/"), std::nullopt});
    }
    body = std::move(parsed.as_object());
  }
  if (parts[1] == "fqdn_connections") {
    return Connections(*account, id, method, target->params, body);
  }
  if (parts[1] == "fqdns") return Fqdns(*account, id, method, target->params, body);
  return Numbers(*account, id, method, target->params, body);
}

// ---- FQDNs (docs/telnyx.md §4) ----

json::object TelnyxApi::State::FqdnJson(const Fqdn& f) const {
  json::value connection_id(f.connection_id);
  // Live answers carry connection_id as a JSON number (docs/telnyx.md §4, §10.3).
  if (quirks) connection_id = std::stoll(f.connection_id);
  return json::object{{"id", f.id},
                      {"record_type", "fqdn"},
                      {"connection_id", std::move(connection_id)},
                      {"fqdn", f.fqdn},
                      {"port", f.port ? json::value(*f.port) : json::value(nullptr)},
                      {"dns_record_type", f.dns_record_type},
                      {"created_at", f.created_at},
                      {"updated_at", f.updated_at}};
}

namespace {

constexpr std::string_view kFqdnFields[] = {"connection_id", "fqdn", "port", "dns_record_type"};

// Refuses (documented mode) or skips (live mode) the members of `body` not in `writable`.
Check CheckMembers(const json::object& body, bool quirks,
                   std::initializer_list<std::string_view> writable,
                   std::initializer_list<std::string_view> read_only) {
  if (quirks) return std::nullopt;
  for (const auto& [key, value] : body) {
    if (std::find(writable.begin(), writable.end(), key) != writable.end()) continue;
    const bool ro = std::find(read_only.begin(), read_only.end(), key) != read_only.end();
    return Invalid("/" + std::string(key),
                   std::string(key) + (ro ? " is read-only" : " is not a field of this resource"));
  }
  return std::nullopt;
}

}  // namespace

http::Response TelnyxApi::State::ListFqdns(Account& account, const Params& params) {
  if (auto e = CheckParams(params, {"filter[connection_id]", "filter[fqdn]", "filter[port]",
                                    "filter[dns_record_type]"})) {
    return ErrorResponse(*e);
  }
  Page page;
  if (auto e = ReadPage(params, 250, &page)) return ErrorResponse(*e);
  const std::string* port = FindParam(params, "filter[port]");
  if (port != nullptr && !ParseInt(*port)) {
    return ErrorResponse(BadParameter("filter[port]", "filter[port] must be an integer"));
  }
  std::vector<json::object> items;
  for (const Fqdn& f : account.fqdns) {
    auto differs = [&](std::string_view key, const std::string& actual) {
      const std::string* v = FindParam(params, key);
      return v != nullptr && *v != actual;
    };
    if (differs("filter[connection_id]", f.connection_id) || differs("filter[fqdn]", f.fqdn) ||
        differs("filter[dns_record_type]", f.dns_record_type) ||
        (port != nullptr && (!f.port || *f.port != *ParseInt(*port)))) {
      continue;
    }
    items.push_back(FqdnJson(f));
  }
  return ListResponse(page, std::move(items));
}

// Checks `body` (a create when `creating`) and writes its fields into `next`.
Check TelnyxApi::State::ApplyFqdn(Account& account, const json::object& body, bool creating,
                                  Fqdn* next) {
  if (creating) {
    for (std::string_view required : kFqdnFields) {
      if (required != "port" && !body.contains(required)) {
        return Invalid("/" + std::string(required),
                       std::string(required) + " is required to create an FQDN");
      }
    }
  }
  if (const json::value* v = body.if_contains("connection_id")) {
    std::string cid;
    if (v->is_string()) {
      cid = std::string(v->as_string());
    } else if (quirks && (v->is_int64() || v->is_uint64())) {
      cid = json::serialize(*v);  // live clients send the number they read (docs/telnyx.md §4)
    } else {
      return Invalid("/connection_id", quirks ? "connection_id must be a string or an "
                                                "integer of decimal digits"
                                              : "connection_id must be a string");
    }
    if (!IsId(cid) || FindConnection(account, cid) == nullptr) {
      return Invalid("/connection_id",
                     "connection_id " + cid + " is not an FQDN connection of this account");
    }
    next->connection_id = cid;
  }
  if (const json::value* v = body.if_contains("fqdn")) {
    if (!v->is_string() || !IsHostName(v->as_string())) {
      return Invalid("/fqdn",
                     "fqdn must be a host name (letters, digits and '-' in dot-separated labels), "
                     "without scheme, user or port, got " +
                         json::serialize(*v));
    }
    next->fqdn = std::string(v->as_string());
  }
  if (const json::value* v = body.if_contains("port")) {
    if (v->is_null()) {
      next->port.reset();
    } else if ((v->is_int64() || v->is_uint64()) && v->to_number<int64_t>() >= 1 &&
               v->to_number<int64_t>() <= 65535) {
      next->port = v->to_number<int64_t>();
    } else {
      return Invalid("/port",
                     "port must be an integer from 1 to 65535 or null, got " + json::serialize(*v));
    }
  }
  if (const json::value* v = body.if_contains("dns_record_type")) {
    const std::string text = v->is_string() ? std::string(v->as_string()) : "";
    if (Lower(text) != "a" && Lower(text) != "srv") {
      return Invalid("/dns_record_type",
                     "dns_record_type must be a or srv, got " + json::serialize(*v));
    }
    // Live stores it lower-cased (docs/telnyx.md §4, §10.3).
    next->dns_record_type = quirks ? Lower(text) : text;
  }
  return std::nullopt;
}

http::Response TelnyxApi::State::Fqdns(Account& account, const std::string* id,
                                       const std::string& method, const Params& params,
                                       const json::object& body) {
  if (id == nullptr && method == "GET") return ListFqdns(account, params);
  auto it = account.fqdns.end();
  if (id != nullptr) {
    it = std::find_if(account.fqdns.begin(), account.fqdns.end(),
                      [&](const Fqdn& f) { return f.id == *id; });
    if (it == account.fqdns.end()) return ErrorResponse(NotFound("FQDN " + *id + " not found"));
    if (method == "GET") return DataResponse(200, FqdnJson(*it));
    if (method == "DELETE") {
      const json::object gone = FqdnJson(*it);
      // The connection's inbound defaults no longer point at it.
      if (Connection* c = FindConnection(account, it->connection_id)) {
        json::object& inbound = c->fields["inbound"].as_object();
        for (auto& [key, value] : inbound) {
          if (key.ends_with("_fqdn_id") && value.is_string() && value.as_string() == *id) {
            value = nullptr;
          }
        }
      }
      account.fqdns.erase(it);
      return DataResponse(200, gone);
    }
  }
  // Create (POST) or update (PATCH).
  const bool creating = id == nullptr;
  if (auto e = CheckMembers(body, quirks, {"connection_id", "fqdn", "port", "dns_record_type"},
                            {"id", "record_type", "created_at", "updated_at"})) {
    return ErrorResponse(*e);
  }
  Fqdn next = creating ? Fqdn{} : *it;
  if (auto e = ApplyFqdn(account, body, creating, &next)) return ErrorResponse(*e);
  next.updated_at = IsoNowMillis();
  if (creating) {
    next.id = NewId();
    next.seq = next_seq++;
    next.created_at = next.updated_at;
    account.fqdns.push_back(next);
    return DataResponse(201, FqdnJson(next));
  }
  *it = next;
  return DataResponse(200, FqdnJson(next));
}

// ---- Phone numbers (docs/telnyx.md §7) ----

json::object TelnyxApi::State::NumberJson(const Account& account, const Number& n) const {
  json::value connection_name = nullptr;
  for (const Connection& c : account.connections) {
    if (c.fields.at("id").as_string() == n.connection_id) {
      connection_name = c.fields.at("connection_name");
    }
  }
  json::object out{{"id", n.id},
                   {"record_type", "phone_number"},
                   {"phone_number", n.phone_number},
                   {"status", "active"},
                   {"connection_id",
                    n.connection_id.empty() ? json::value(nullptr) : json::value(n.connection_id)},
                   {"connection_name", std::move(connection_name)}};
  for (const auto& [key, value] : n.settable) out[key] = value;
  out["purchased_at"] = n.created_at;
  out["created_at"] = n.created_at;
  out["updated_at"] = n.updated_at;
  return out;
}

namespace {

// The fields a PATCH may set besides connection_id, with their initial values.
json::object NumberDefaults() {
  return json::object{{"tags", json::array{}},       {"customer_reference", nullptr},
                      {"billing_group_id", nullptr}, {"address_id", nullptr},
                      {"external_pin", nullptr},     {"hd_voice_enabled", false}};
}

bool MatchesNumberFilters(const Number& n, const json::object& shown, const Params& params) {
  if (const std::string* v = FindParam(params, "filter[phone_number]")) {
    // Digits only; any other character matches nothing (docs/telnyx.md §7).
    if (!std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        n.phone_number.find(*v) == std::string::npos) {
      return false;
    }
  }
  if (const std::string* v = FindParam(params, "filter[connection_id]")) {
    if (*v != n.connection_id) return false;
  }
  if (const std::string* v = FindParam(params, "filter[tag]")) {
    const json::array& tags = shown.at("tags").as_array();
    if (std::find(tags.begin(), tags.end(), json::value(*v)) == tags.end()) return false;
  }
  const json::value& name_value = shown.at("connection_name");
  const std::string name = name_value.is_string() ? Lower(std::string(name_value.as_string())) : "";
  for (const char* op : {"eq", "contains", "starts_with", "ends_with"}) {
    const std::string* v =
        FindParam(params, std::string("filter[voice.connection_name][") + op + "]");
    if (v == nullptr) continue;
    const std::string want = Lower(*v);
    const std::string_view o = op;
    const bool ok =
        name_value.is_string() && (o == "eq"            ? name == want
                                   : o == "contains"    ? name.find(want) != std::string::npos
                                   : o == "starts_with" ? name.starts_with(want)
                                                        : name.ends_with(want));
    if (!ok) return false;
  }
  return true;
}

}  // namespace

http::Response TelnyxApi::State::Numbers(Account& account, const std::string* id,
                                         const std::string& method, const Params& params,
                                         const json::object& body) {
  if (id == nullptr) {
    if (auto e = CheckParams(
            params, {"filter[phone_number]", "filter[connection_id]", "filter[tag]",
                     "filter[voice.connection_name][eq]", "filter[voice.connection_name][contains]",
                     "filter[voice.connection_name][starts_with]",
                     "filter[voice.connection_name][ends_with]"})) {
      return ErrorResponse(*e);
    }
    Page page;
    if (auto e = ReadPage(params, 20, &page)) return ErrorResponse(*e);
    const std::string* digits = FindParam(params, "filter[phone_number]");
    if (digits != nullptr && digits->size() < 3) {
      return ErrorResponse(
          BadParameter("filter[phone_number]", "filter[phone_number] needs at least 3 digits"));
    }
    std::vector<json::object> items;
    for (const Number& n : account.numbers) {
      json::object shown = NumberJson(account, n);
      if (MatchesNumberFilters(n, shown, params)) items.push_back(std::move(shown));
    }
    return ListResponse(page, std::move(items));
  }
  auto it = std::find_if(account.numbers.begin(), account.numbers.end(),
                         [&](const Number& n) { return n.id == *id; });
  if (it == account.numbers.end()) {
    return ErrorResponse(NotFound("phone number " + *id + " not found"));
  }
  if (method == "GET") return DataResponse(200, NumberJson(account, *it));
  if (auto e = CheckMembers(body, quirks,
                            {"connection_id", "tags", "customer_reference", "billing_group_id",
                             "address_id", "external_pin", "hd_voice_enabled"},
                            {"id", "record_type", "phone_number", "status", "connection_name",
                             "purchased_at", "created_at", "updated_at"})) {
    return ErrorResponse(*e);
  }
  Number next = *it;
  for (const auto& [key, value] : body) {
    if (key == "connection_id") {
      // null or "" detaches the number (undocumented, docs/telnyx.md §7).
      if (value.is_null() || (value.is_string() && value.as_string().empty())) {
        next.connection_id.clear();
        continue;
      }
      const std::string cid = value.is_string() ? std::string(value.as_string()) : "";
      if (!IsId(cid) || FindConnection(account, cid) == nullptr) {
        return ErrorResponse(Invalid("/connection_id",
                                     "connection_id must be the id (a string) of a connection of "
                                     "this account, or null to detach; got " +
                                         json::serialize(value)));
      }
      next.connection_id = cid;
    } else if (key == "tags") {
      const bool ok =
          value.is_array() && std::all_of(value.as_array().begin(), value.as_array().end(),
                                          [](const json::value& t) { return t.is_string(); });
      if (!ok) return ErrorResponse(Invalid("/tags", "tags must be an array of strings"));
      next.settable["tags"] = value;
    } else if (key == "hd_voice_enabled") {
      if (!value.is_bool()) {
        return ErrorResponse(Invalid("/hd_voice_enabled", "hd_voice_enabled must be a boolean"));
      }
      next.settable[key] = value;
    } else if (next.settable.contains(key)) {
      if (!value.is_string() && !value.is_null()) {
        return ErrorResponse(
            Invalid("/" + std::string(key), std::string(key) + " must be a string or null"));
      }
      next.settable[key] = value;
    }
    // Anything else is ignored, as live ignores fields it does not take.
  }
  next.updated_at = IsoNowMillis();
  *it = std::move(next);
  return DataResponse(200, NumberJson(account, *it));
}

// ---- TelnyxApi ----

TelnyxApi::TelnyxApi(TelnyxOptions options) : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.quirks = options.quirks;
  s.seed = options.seed;
  // Numbers keep their ids across Reset: they come from a stream of their own.
  std::mt19937_64 number_rng(options.seed ^ 0x7E1A0C5ULL);
  s.id_rng = number_rng;
  const std::string now = IsoNowMillis();
  for (size_t i = 0; i < options.accounts.size(); ++i) {
    const TelnyxAccount& given = options.accounts[i];
    Account account{"account-" + std::to_string(i + 1), given.api_key, {}, {}, {}};
    std::vector<std::string> numbers = given.phone_numbers;
    for (int j = 0; given.phone_numbers.empty() && j < options.numbers_per_account; ++j) {
      char text[64];
      std::snprintf(text, sizeof text, "+1555%03zu%04d", i + 1, j + 1);
      numbers.emplace_back(text);
    }
    for (const std::string& e164 : numbers) {
      account.numbers.push_back(Number{s.NewId(), e164, "", NumberDefaults(), now, now});
    }
    s.accounts.push_back(std::move(account));
  }
  s.Reseed();
}

TelnyxApi::~TelnyxApi() = default;

http::Response TelnyxApi::Handle(const http::Request& request, const std::string& /*base_url*/) {
  std::lock_guard lock(mu_);
  return state_->Handle(request);
}

std::optional<std::string> TelnyxApi::AccountOf(const http::Request& request) const {
  const std::optional<std::string> key = BearerToken(request);
  if (!key) return std::nullopt;
  std::lock_guard lock(mu_);
  const Account* account = state_->AccountByKey(*key);
  if (account == nullptr) return std::nullopt;
  return account->name;
}

namespace {

// Drops the members with secret names (secrets.h), at any depth.
void DropSecrets(json::object& object) {
  for (auto it = object.begin(); it != object.end();) {
    if (IsSecretName(it->key())) {
      it = object.erase(it);
      continue;
    }
    if (it->value().is_object()) DropSecrets(it->value().as_object());
    ++it;
  }
}

}  // namespace

json::value TelnyxApi::Dump() const {
  std::lock_guard lock(mu_);
  json::object accounts;
  for (const Account& account : state_->accounts) {
    json::array connections, fqdns, numbers;
    for (const Connection& c : account.connections) {
      json::object shown = state_->ConnectionJson(c);
      DropSecrets(shown);
      connections.emplace_back(std::move(shown));
    }
    for (const Fqdn& f : account.fqdns) fqdns.emplace_back(state_->FqdnJson(f));
    for (const Number& n : account.numbers) numbers.emplace_back(state_->NumberJson(account, n));
    accounts[account.name] = json::object{{"fqdn_connections", std::move(connections)},
                                          {"fqdns", std::move(fqdns)},
                                          {"phone_numbers", std::move(numbers)}};
  }
  return json::object{{"quirks", state_->quirks}, {"accounts", std::move(accounts)}};
}

void TelnyxApi::Reset() {
  std::lock_guard lock(mu_);
  State& s = *state_;
  s.ids.clear();
  for (Account& account : s.accounts) {
    account.connections.clear();
    account.fqdns.clear();
    for (Number& n : account.numbers) {
      s.ids.insert(n.id);
      n.connection_id.clear();
      n.settable = NumberDefaults();
      n.updated_at = n.created_at;
    }
  }
  s.next_seq = 0;
  s.Reseed();
}

void TelnyxApi::set_quirks(bool on) {
  std::lock_guard lock(mu_);
  state_->quirks = on;
}

bool TelnyxApi::quirks() const {
  std::lock_guard lock(mu_);
  return state_->quirks;
}

}  // namespace trunkline::emulator
