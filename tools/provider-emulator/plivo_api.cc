#include "plivo_api.h"

#include <algorithm>
#include <boost/url/ipv4_address.hpp>
#include <boost/url/ipv6_address.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>
#include <random>
#include <string_view>

#include "common.h"

namespace trunkline::emulator {
namespace {

namespace json = boost::json;
using Params = std::vector<std::pair<std::string, std::string>>;

// In every resource below an empty reference string stands for JSON null.
struct Trunk {
  std::string trunk_id;
  std::string name;
  std::string status = "enabled";
  std::string direction;
  bool secure = false;
  std::string ipacl_uuid;
  std::string credential_uuid;
  std::string primary_uri_uuid;
  std::string fallback_uri_uuid;
};

struct Credential {
  std::string uuid;
  std::string name;
  std::string username;
  std::string password;
};

struct IpAcl {
  std::string uuid;
  std::string name;
  std::vector<std::string> ip_addresses;
};

struct Uri {
  std::string uuid;
  std::string name;
  std::string uri;
  bool authentication_needed = false;
  std::string username;
  std::string password;
};

struct Number {
  std::string alias;
  std::string trunk_id;  // "" when not routed to a trunk
};

struct Account {
  std::string auth_token;
  // Creation order, which is also list order (Plivo documents none).
  std::vector<Trunk> trunks;
  std::vector<Credential> credentials;
  std::vector<IpAcl> ipacls;
  std::vector<Uri> uris;
  // There is no number inventory to emulate: a number exists once a client has written it.
  std::map<std::string, Number> numbers;
};

// A refusal: the status code and the `error` text, which names the offending field.
struct Failure {
  int status;
  std::string error;
};
using Check = std::optional<Failure>;

Failure Invalid(std::string error) { return Failure{400, std::move(error)}; }
Failure Missing(std::string error) { return Failure{422, std::move(error)}; }

// The four Zentrunk collections, with what differs between them.
struct Kind {
  std::string_view segment;  // path segment, case-sensitive as on the live API
  std::string_view id_field;
  std::string_view created;  // message texts as documented, inconsistent case and all
  std::string_view updated;
  std::string_view noun;  // for error texts
};
constexpr Kind kTrunkKind{"Trunk", "trunk_id", "Trunk created successfully.",
                          "Trunk updated successfully.", "trunk"};
constexpr Kind kCredentialKind{"Credential", "credential_uuid", "credential created successfully.",
                               "Credential updated successfully.", "credential"};
constexpr Kind kIpAclKind{"IPAccessControlList", "ipacl_uuid",
                          "IP access control list created successfully.",
                          "IP access control list updated successfully.", "IP access control list"};
constexpr Kind kUriKind{"URI", "uri_uuid", "Origination URI created successfully.",
                        "origination uri updated successfully.", "origination URI"};
constexpr const Kind* kKinds[] = {&kTrunkKind, &kCredentialKind, &kIpAclKind, &kUriKind};

json::value NullIfEmpty(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

std::string Domain(const std::string& trunk_id) { return trunk_id + ".zt.plivo.com"; }

json::object TrunkJson(const Trunk& t) {
  return {{"trunk_id", t.trunk_id},
          {"trunk_domain", Domain(t.trunk_id)},
          {"name", t.name},
          {"trunk_status", t.status},
          {"trunk_direction", t.direction},
          {"secure", t.secure},
          {"ipacl_uuid", NullIfEmpty(t.ipacl_uuid)},
          {"credential_uuid", NullIfEmpty(t.credential_uuid)},
          {"primary_uri_uuid", NullIfEmpty(t.primary_uri_uuid)},
          {"fallback_uri_uuid", NullIfEmpty(t.fallback_uri_uuid)}};
}

json::object CredentialJson(const Credential& c) {
  return {{"credential_uuid", c.uuid}, {"name", c.name}, {"username", c.username}};
}

json::object IpAclJson(const IpAcl& a) {
  json::array ips;
  for (const std::string& ip : a.ip_addresses) ips.emplace_back(ip);
  return {{"ipacl_uuid", a.uuid}, {"name", a.name}, {"ip_addresses", std::move(ips)}};
}

json::object UriJson(const Uri& u) {
  return {{"uri_uuid", u.uuid},
          {"name", u.name},
          {"uri", u.uri},
          {"authentication_needed", u.authentication_needed},
          {"username", NullIfEmpty(u.username)}};
}

std::string TrunkPath(const std::string& auth_id, const std::string& trunk_id) {
  return "/v1/Account/" + auth_id + "/Zentrunk/Trunk/" + trunk_id + "/";
}

json::object NumberJson(const std::string& auth_id, const std::string& digits, const Number& n) {
  return {{"number", digits},
          {"alias", NullIfEmpty(n.alias)},
          {"application",
           n.trunk_id.empty() ? json::value(nullptr) : json::value(TrunkPath(auth_id, n.trunk_id))},
          {"sub_account", nullptr},
          {"voice_enabled", true},
          {"resource_uri", "/v1/Account/" + auth_id + "/Number/" + digits + "/"}};
}

template <typename T>
T* FindByUuid(std::vector<T>& items, std::string_view uuid) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.uuid == uuid; });
  return it == items.end() ? nullptr : &*it;
}

Trunk* FindTrunk(std::vector<Trunk>& trunks, std::string_view id) {
  auto it =
      std::find_if(trunks.begin(), trunks.end(), [&](const Trunk& t) { return t.trunk_id == id; });
  return it == trunks.end() ? nullptr : &*it;
}

// Body readers: an absent key leaves `out` alone; a value of the wrong kind is a 400 that
// names the field.
Check ReadString(const json::object& body, std::string_view key, std::optional<std::string>* out) {
  const json::value* v = body.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) return Invalid(std::string(key) + " must be a string");
  *out = std::string(v->get_string());
  return std::nullopt;
}

// A reference to another resource: null and "" both mean none, which is how a client clears
// one on update (docs/plivo.md leaves clearing undocumented).
Check ReadRef(const json::object& body, std::string_view key, std::optional<std::string>* out) {
  const json::value* v = body.if_contains(key);
  if (v != nullptr && v->is_null()) {
    *out = std::string();
    return std::nullopt;
  }
  return ReadString(body, key, out);
}

Check ReadBool(const json::object& body, std::string_view key, std::optional<bool>* out) {
  const json::value* v = body.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) return Invalid(std::string(key) + " must be a JSON boolean");
  *out = v->get_bool();
  return std::nullopt;
}

bool IsOneOf(std::string_view value, std::string_view a, std::string_view b) {
  return value == a || value == b;
}

// The trunk fields a create or update body carries.
struct TrunkFields {
  std::optional<std::string> name, status, direction;
  std::optional<bool> secure;
  std::optional<std::string> ipacl_uuid, credential_uuid, primary_uri_uuid, fallback_uri_uuid;
};

Check ReadTrunkFields(const json::object& body, TrunkFields* f) {
  if (auto e = ReadString(body, "name", &f->name)) return e;
  if (auto e = ReadString(body, "trunk_status", &f->status)) return e;
  if (f->status && !IsOneOf(*f->status, "enabled", "disabled")) {
    return Invalid("trunk_status must be enabled or disabled");
  }
  if (auto e = ReadString(body, "trunk_direction", &f->direction)) return e;
  if (f->direction && !IsOneOf(*f->direction, "inbound", "outbound")) {
    return Invalid("trunk_direction must be inbound or outbound");
  }
  if (auto e = ReadBool(body, "secure", &f->secure)) return e;
  if (auto e = ReadRef(body, "ipacl_uuid", &f->ipacl_uuid)) return e;
  if (auto e = ReadRef(body, "credential_uuid", &f->credential_uuid)) return e;
  if (auto e = ReadRef(body, "primary_uri_uuid", &f->primary_uri_uuid)) return e;
  if (auto e = ReadRef(body, "fallback_uri_uuid", &f->fallback_uri_uuid)) return e;
  return std::nullopt;
}

void ApplyTrunkFields(const TrunkFields& f, Trunk* t) {
  if (f.name) t->name = *f.name;
  if (f.status) t->status = *f.status;
  if (f.direction) t->direction = *f.direction;
  if (f.secure) t->secure = *f.secure;
  if (f.ipacl_uuid) t->ipacl_uuid = *f.ipacl_uuid;
  if (f.credential_uuid) t->credential_uuid = *f.credential_uuid;
  if (f.primary_uri_uuid) t->primary_uri_uuid = *f.primary_uri_uuid;
  if (f.fallback_uri_uuid) t->fallback_uri_uuid = *f.fallback_uri_uuid;
}

// docs/plivo.md §4.3, §4.8, §9. What a trunk of the other direction carries is undocumented;
// it is refused so that a client mixing them up finds out here rather than on a call.
Check CheckDirection(const Trunk& t) {
  if (t.direction == "outbound") {
    if (!t.primary_uri_uuid.empty()) return Invalid("primary_uri_uuid is for inbound trunks only");
    if (!t.fallback_uri_uuid.empty()) {
      return Invalid("fallback_uri_uuid is for inbound trunks only");
    }
    if (t.ipacl_uuid.empty() && t.credential_uuid.empty()) {
      return Missing("an outbound trunk needs ipacl_uuid or credential_uuid");
    }
  } else {
    if (!t.ipacl_uuid.empty()) return Invalid("ipacl_uuid is for outbound trunks only");
    if (!t.credential_uuid.empty()) return Invalid("credential_uuid is for outbound trunks only");
    if (t.primary_uri_uuid.empty()) return Missing("an inbound trunk needs primary_uri_uuid");
  }
  return std::nullopt;
}

// Only references the body names are checked: one left dangling by an earlier delete stays
// as it is, as the docs describe ("breaks authentication for that trunk").
Check CheckReferencesExist(Account& account, const TrunkFields& f) {
  auto missing = [](std::string_view field, const std::string& uuid) {
    return Failure{404, std::string(field) + " " + uuid + " does not exist"};
  };
  if (f.ipacl_uuid && !f.ipacl_uuid->empty() && !FindByUuid(account.ipacls, *f.ipacl_uuid)) {
    return missing("ipacl_uuid", *f.ipacl_uuid);
  }
  if (f.credential_uuid && !f.credential_uuid->empty() &&
      !FindByUuid(account.credentials, *f.credential_uuid)) {
    return missing("credential_uuid", *f.credential_uuid);
  }
  if (f.primary_uri_uuid && !f.primary_uri_uuid->empty() &&
      !FindByUuid(account.uris, *f.primary_uri_uuid)) {
    return missing("primary_uri_uuid", *f.primary_uri_uuid);
  }
  if (f.fallback_uri_uuid && !f.fallback_uri_uuid->empty() &&
      !FindByUuid(account.uris, *f.fallback_uri_uuid)) {
    return missing("fallback_uri_uuid", *f.fallback_uri_uuid);
  }
  return std::nullopt;
}

// Credential value rules (docs/plivo.md §5, from LiveKit and Plivo's skill). `_` is accepted in
// usernames because Plivo's own examples use it.
Check CheckUsername(const std::string& username) {
  const bool ok = username.size() >= 5 && username.size() <= 20 &&
                  std::all_of(username.begin(), username.end(), [](char c) {
                    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                  });
  if (!ok) return Invalid("username must be 5 to 20 letters, digits or underscores");
  return std::nullopt;
}

Check CheckPassword(const std::string& password) {
  constexpr std::string_view kSpecial = "~!@#$%^&*()_+";
  bool has_special = false;
  bool allowed = password.size() >= 5 && password.size() <= 20;
  for (char c : password) {
    const bool special = kSpecial.find(c) != std::string_view::npos;
    has_special = has_special || special;
    allowed = allowed && (special || std::isalnum(static_cast<unsigned char>(c)));
  }
  if (!allowed || !has_special) {
    return Invalid(
        "password must be 5 to 20 characters of letters, digits and ~!@#$%^&*()_+, with at "
        "least one of ~!@#$%^&*()_+");
  }
  return std::nullopt;
}

// An address or prefix, IPv4 or IPv6, as Plivo's tooling sends them.
bool IsIpOrPrefix(std::string_view entry) {
  const size_t slash = entry.find('/');
  const std::string_view address = entry.substr(0, slash);
  int max_prefix = 0;
  if (boost::urls::parse_ipv4_address(address)) {
    max_prefix = 32;
  } else if (boost::urls::parse_ipv6_address(address)) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (slash == std::string_view::npos) return true;
  const std::string_view prefix = entry.substr(slash + 1);
  int bits = -1;
  auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
  return ec == std::errc() && end == prefix.data() + prefix.size() && !prefix.empty() &&
         bits >= 0 && bits <= max_prefix;
}

// ip_addresses on create (required) and update (optional): a non-empty array of addresses.
Check ReadIpAddresses(const json::object& body, bool required,
                      std::optional<std::vector<std::string>>* out) {
  const json::value* v = body.if_contains("ip_addresses");
  if (v == nullptr || v->is_null()) {
    if (required) return Missing("ip_addresses is required");
    if (v == nullptr) return std::nullopt;
  }
  if (!v->is_array()) return Invalid("ip_addresses must be a JSON array of IP addresses");
  if (v->get_array().empty()) {
    if (required) return Missing("ip_addresses must hold at least one address");
    return Invalid("ip_addresses must hold at least one address");
  }
  std::vector<std::string> ips;
  for (const json::value& entry : v->get_array()) {
    if (!entry.is_string() || !IsIpOrPrefix(entry.get_string())) {
      return Invalid("ip_addresses entries must be IPv4 or IPv6 addresses or prefixes, got " +
                     json::serialize(entry));
    }
    ips.emplace_back(entry.get_string());
  }
  *out = std::move(ips);
  return std::nullopt;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The server's validation of `uri` is undocumented; a blank or spaced value is certainly bad.
Check CheckUriValue(const std::string& uri) {
  if (uri.empty() || std::any_of(uri.begin(), uri.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c));
      })) {
    return Invalid("uri must be a SIP URI, host or host:port without spaces");
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseUnsigned(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

const std::string* FindParam(const Params& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

struct Page {
  uint64_t limit = 20;
  uint64_t offset = 0;
};

Check ReadPage(const Params& params, Page* page) {
  if (const std::string* limit = FindParam(params, "limit")) {
    const auto n = ParseUnsigned(*limit);
    if (!n || *n < 1 || *n > 20) return Invalid("limit must be an integer from 1 to 20");
    page->limit = *n;
  }
  if (const std::string* offset = FindParam(params, "offset")) {
    const auto n = ParseUnsigned(*offset);
    if (!n) return Invalid("offset must be an integer of 0 or more");
    page->offset = *n;
  }
  return std::nullopt;
}

constexpr std::string_view kTrunkFilters[] = {
    "trunk_status",    "trunk_direction",  "secure",           "ipacl_uuid",
    "credential_uuid", "primary_uri_uuid", "fallback_uri_uuid"};

// The trunk list filters (docs/plivo.md §4.6), exact match; "" matches a null reference.
Check ReadTrunkFilters(const Params& params, Params* filters) {
  for (std::string_view key : kTrunkFilters) {
    const std::string* value = FindParam(params, key);
    if (value == nullptr) continue;
    if (key == "trunk_status" && !IsOneOf(*value, "enabled", "disabled")) {
      return Invalid("trunk_status must be enabled or disabled");
    }
    if (key == "trunk_direction" && !IsOneOf(*value, "inbound", "outbound")) {
      return Invalid("trunk_direction must be inbound or outbound");
    }
    if (key == "secure" && !IsOneOf(*value, "true", "false")) {
      return Invalid("secure must be true or false");
    }
    filters->emplace_back(key, *value);
  }
  return std::nullopt;
}

bool MatchesFilters(const Trunk& t, const Params& filters) {
  for (const auto& [key, value] : filters) {
    const std::string actual = key == "trunk_status"       ? t.status
                               : key == "trunk_direction"  ? t.direction
                               : key == "secure"           ? (t.secure ? "true" : "false")
                               : key == "ipacl_uuid"       ? t.ipacl_uuid
                               : key == "credential_uuid"  ? t.credential_uuid
                               : key == "primary_uri_uuid" ? t.primary_uri_uuid
                                                           : t.fallback_uri_uuid;
    if (actual != value) return false;
  }
  return true;
}

// A request target split at '/', with the leading empty segment dropped; a trailing slash
// leaves an empty last segment.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

// The accounts with their resources, the id generators, and the request handlers.
struct PlivoApi::State {
  bool quirks = true;
  uint64_t seed = 1;
  // Separate streams so resource ids depend only on the sequence of creates, not on how
  // many other requests (each with its own api_id) came between them.
  std::mt19937_64 id_rng;
  std::mt19937_64 api_id_rng;
  std::map<std::string, Account> accounts;

  void Reseed() {
    id_rng.seed(seed);
    api_id_rng.seed(seed ^ 0x9E3779B97F4A7C15ULL);
  }

  static std::string Uuid(std::mt19937_64& rng) {
    uint64_t hi = rng();
    uint64_t lo = rng();
    hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                  static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                  static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
    return text;
  }

  std::string NewUuid() { return Uuid(id_rng); }
  std::string NewApiId() { return Uuid(api_id_rng); }

  // 14 to 18 digits like the documented examples; unique across accounts, since the trunk
  // domain is a global DNS name.
  std::string NewTrunkId() {
    while (true) {
      const size_t length = 14 + id_rng() % 5;
      std::string id(1, static_cast<char>('1' + id_rng() % 9));
      while (id.size() < length) id += static_cast<char>('0' + id_rng() % 10);
      bool taken = false;
      for (auto& [auth_id, account] : accounts) taken = taken || FindTrunk(account.trunks, id);
      if (!taken) return id;
    }
  }

  http::Response Error(int status, const std::string& error) {
    return JsonResponse(status, json::object{{"api_id", NewApiId()}, {"error", error}});
  }
  http::Response Error(const Failure& f) { return Error(f.status, f.error); }

  http::Response Written(int status, const Kind& kind, const std::string& id,
                         json::object extra = {}) {
    json::object body{{"api_id", NewApiId()},
                      {"message", status == 201 ? kind.created : kind.updated},
                      {kind.id_field, id}};
    for (auto& [k, v] : extra) body[k] = std::move(v);
    return JsonResponse(status, body);
  }

  http::Response Object(json::object fields) {
    json::object body{{"api_id", NewApiId()}};
    for (auto& [k, v] : fields) body[k] = std::move(v);
    return JsonResponse(200, body);
  }

  static http::Response Deleted() { return http::Response{204, {}, ""}; }

  http::Response MethodNotAllowed(std::string allow) {
    http::Response r = Error(405, "method not allowed; use " + allow);
    r.headers.push_back({"Allow", std::move(allow)});
    return r;
  }

  // The list envelope over `objects` (already filtered), one page of it.
  // One page of a whole, unfiltered collection.
  template <typename Item>
  http::Response ListAll(const std::string& auth_id, const Kind& kind, const Params& params,
                         const std::vector<Item>& items, json::object (*to_json)(const Item&)) {
    Page page;
    if (auto e = ReadPage(params, &page)) return Error(*e);
    std::vector<json::object> objects;
    for (const Item& item : items) objects.push_back(to_json(item));
    return List(auth_id, kind, page, {}, std::move(objects));
  }

  http::Response List(const std::string& auth_id, const Kind& kind, const Page& page,
                      const Params& filters, std::vector<json::object> objects) {
    const uint64_t total = objects.size();
    json::array out;
    for (uint64_t i = page.offset; i < total && i - page.offset < page.limit; ++i) {
      out.emplace_back(std::move(objects[i]));
    }
    // Relative and without a leading slash, as the Zentrunk pages print them; the filters
    // ride along so that following `next` stays within the filtered set.
    auto link = [&](uint64_t offset) {
      std::string s = "v1/Account/" + auth_id + "/Zentrunk/" + std::string(kind.segment) +
                      "/?limit=" + std::to_string(page.limit) + "&offset=" + std::to_string(offset);
      for (const auto& [k, v] : filters) s += "&" + k + "=" + PercentEncode(v);
      return json::value(s);
    };
    json::object meta{
        {"limit", page.limit},
        {"offset", page.offset},
        {"total_count", total},
        {"previous", page.offset == 0
                         ? json::value(nullptr)
                         : link(page.offset > page.limit ? page.offset - page.limit : 0)},
        {"next", page.offset < total && total - page.offset > page.limit
                     ? link(page.offset + page.limit)
                     : json::value(nullptr)}};
    return JsonResponse(
        200, json::object{{"api_id", NewApiId()}, {"meta", std::move(meta)}, {"objects", out}});
  }

  http::Response Handle(const http::Request& request);
  http::Response Zentrunk(const std::string& auth_id, Account& account, const Kind& kind,
                          const std::string* id, const std::string& method, const Params& params,
                          const json::object& body);
  http::Response Trunks(const std::string& auth_id, Account& account, const std::string* id,
                        const std::string& method, const Params& params, const json::object& body);
  http::Response Credentials(const std::string& auth_id, Account& account, const std::string* id,
                             const std::string& method, const Params& params,
                             const json::object& body);
  http::Response IpAcls(const std::string& auth_id, Account& account, const std::string* id,
                        const std::string& method, const Params& params, const json::object& body);
  http::Response Uris(const std::string& auth_id, Account& account, const std::string* id,
                      const std::string& method, const Params& params, const json::object& body);
  http::Response Numbers(const std::string& auth_id, Account& account, const std::string& digits,
                         const std::string& method, const json::object& body);
  void DeleteTrunk(Account& account, const std::string& trunk_id);
};

http::Response PlivoApi::State::Handle(const http::Request& request) {
  const std::optional<Target> target = ParseTarget(request.target);
  if (!target) return Error(400, "malformed request target");
  const std::vector<std::string_view> segments = Segments(target->path);
  if (segments.size() < 3 || segments[0] != "v1" || segments[1] != "Account" ||
      segments[2].empty()) {
    return Error(404, "no such resource: " + target->path);
  }
  const std::string auth_id(segments[2]);

  // Authentication comes before routing, so a stranger learns nothing about paths.
  const std::optional<BasicCredentials> credentials = ParseBasicAuth(request.headers);
  if (!credentials) return Error(401, "authentication required: HTTP Basic auth_id:auth_token");
  auto account = accounts.find(credentials->user);
  if (account == accounts.end() || account->second.auth_token != credentials->password) {
    return Error(401, "authentication failed: unknown auth_id or wrong auth_token");
  }
  if (auth_id != credentials->user) {
    return Error(401, "auth_id " + auth_id + " in the path is not the authenticated account");
  }

  // Every documented path ends in '/' (docs/plivo.md §2); anything else is not a route.
  std::vector<std::string_view> rest(segments.begin() + 3, segments.end());
  if (rest.empty() || !rest.back().empty() ||
      std::any_of(rest.begin(), rest.end() - 1, [](std::string_view s) { return s.empty(); })) {
    return Error(404, "no such resource: " + target->path + " (paths end with '/')");
  }
  rest.pop_back();

  json::object body;
  if (request.method == "POST" && !Trim(request.body).empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (ec) return Error(400, "the request body is not JSON: " + ec.message());
    if (!parsed.is_object()) return Error(400, "the request body must be a JSON object");
    body = std::move(parsed.get_object());
  }

  if (rest.size() == 2 && rest[0] == "Number") {
    // E.164 digits without '+' (docs/plivo.md §8); anything else names no number.
    if (!IsDigits(rest[1]) || rest[1].size() > 15) {
      return Error(404, "number " + std::string(rest[1]) + " not found");
    }
    return Numbers(auth_id, account->second, std::string(rest[1]), request.method, body);
  }
  if ((rest.size() == 2 || rest.size() == 3) && rest[0] == "Zentrunk") {
    for (const Kind* kind : kKinds) {
      if (rest[1] != kind->segment) continue;
      const std::string id = rest.size() == 3 ? std::string(rest[2]) : std::string();
      return Zentrunk(auth_id, account->second, *kind, rest.size() == 3 ? &id : nullptr,
                      request.method, target->params, body);
    }
  }
  return Error(404, "no such resource: " + target->path);
}

http::Response PlivoApi::State::Zentrunk(const std::string& auth_id, Account& account,
                                         const Kind& kind, const std::string* id,
                                         const std::string& method, const Params& params,
                                         const json::object& body) {
  const bool allowed = method == "GET" || method == "POST" || (id != nullptr && method == "DELETE");
  if (!allowed) return MethodNotAllowed(id != nullptr ? "GET, POST, DELETE" : "GET, POST");
  if (&kind == &kTrunkKind) return Trunks(auth_id, account, id, method, params, body);
  if (&kind == &kCredentialKind) return Credentials(auth_id, account, id, method, params, body);
  if (&kind == &kIpAclKind) return IpAcls(auth_id, account, id, method, params, body);
  return Uris(auth_id, account, id, method, params, body);
}

void PlivoApi::State::DeleteTrunk(Account& account, const std::string& trunk_id) {
  std::erase_if(account.trunks, [&](const Trunk& t) { return t.trunk_id == trunk_id; });
  // docs/plivo.md §4.7: numbers routed to a deleted trunk lose their routing.
  for (auto& [digits, number] : account.numbers) {
    if (number.trunk_id == trunk_id) number.trunk_id.clear();
  }
}

http::Response PlivoApi::State::Trunks(const std::string& auth_id, Account& account,
                                       const std::string* id, const std::string& method,
                                       const Params& params, const json::object& body) {
  if (id == nullptr && method == "GET") {
    Page page;
    Params filters;
    if (auto e = ReadPage(params, &page)) return Error(*e);
    if (auto e = ReadTrunkFilters(params, &filters)) return Error(*e);
    std::vector<json::object> objects;
    for (const Trunk& t : account.trunks) {
      if (MatchesFilters(t, filters)) objects.push_back(TrunkJson(t));
    }
    return List(auth_id, kTrunkKind, page, filters, std::move(objects));
  }
  if (id == nullptr) {
    TrunkFields f;
    if (auto e = ReadTrunkFields(body, &f)) return Error(*e);
    if (!f.direction) return Error(Missing("trunk_direction is required (inbound or outbound)"));
    Trunk t;
    ApplyTrunkFields(f, &t);
    if (auto e = CheckDirection(t)) return Error(*e);
    if (auto e = CheckReferencesExist(account, f)) return Error(*e);
    t.trunk_id = NewTrunkId();
    account.trunks.push_back(t);
    // Live answers carry only the id (docs/plivo.md §3.1); the docs' shape gets the domain too.
    json::object extra;
    if (!quirks) extra["trunk_domain"] = Domain(t.trunk_id);
    return Written(201, kTrunkKind, t.trunk_id, std::move(extra));
  }

  Trunk* trunk = FindTrunk(account.trunks, *id);
  if (trunk == nullptr) return Error(404, "trunk " + *id + " not found");
  if (method == "GET") {
    if (quirks) {
      return JsonResponse(200, json::object{{"api_id", NewApiId()}, {"object", TrunkJson(*trunk)}});
    }
    return Object(TrunkJson(*trunk));
  }
  if (method == "DELETE") {
    DeleteTrunk(account, *id);
    return Deleted();
  }
  TrunkFields f;
  if (auto e = ReadTrunkFields(body, &f)) return Error(*e);
  if (quirks && !f.direction) {
    return Error(Invalid("trunk_direction is required on every trunk update"));
  }
  Trunk updated = *trunk;
  // Switching direction drops the references only the old direction may hold (undocumented).
  if (f.direction && *f.direction != updated.direction) {
    if (*f.direction == "inbound") {
      updated.ipacl_uuid.clear();
      updated.credential_uuid.clear();
    } else {
      updated.primary_uri_uuid.clear();
      updated.fallback_uri_uuid.clear();
    }
  }
  ApplyTrunkFields(f, &updated);
  if (auto e = CheckDirection(updated)) return Error(*e);
  if (auto e = CheckReferencesExist(account, f)) return Error(*e);
  *trunk = updated;
  return Written(202, kTrunkKind, updated.trunk_id);
}

http::Response PlivoApi::State::Credentials(const std::string& auth_id, Account& account,
                                            const std::string* id, const std::string& method,
                                            const Params& params, const json::object& body) {
  if (id == nullptr && method == "GET") {
    return ListAll(auth_id, kCredentialKind, params, account.credentials, CredentialJson);
  }
  std::optional<std::string> name, username, password;
  if (method == "POST") {
    if (auto e = ReadString(body, "name", &name)) return Error(*e);
    if (auto e = ReadString(body, "username", &username)) return Error(*e);
    if (auto e = ReadString(body, "password", &password)) return Error(*e);
  }
  if (id == nullptr) {
    if (!username || username->empty()) return Error(Missing("username is required"));
    if (!password || password->empty()) return Error(Missing("password is required"));
    if (auto e = CheckUsername(*username)) return Error(*e);
    if (auto e = CheckPassword(*password)) return Error(*e);
    Credential c{NewUuid(), name.value_or(""), *username, *password};
    account.credentials.push_back(c);
    return Written(201, kCredentialKind, c.uuid);
  }

  Credential* credential = FindByUuid(account.credentials, *id);
  if (credential == nullptr) return Error(404, "credential " + *id + " not found");
  if (method == "GET") return Object(CredentialJson(*credential));
  if (method == "DELETE") {
    // Trunks keep the reference; the docs say their authentication breaks.
    std::erase_if(account.credentials, [&](const Credential& c) { return c.uuid == *id; });
    return Deleted();
  }
  // Live, a password needs its username and every update rewrites the password (docs/plivo.md §5).
  if (quirks && !username) {
    return Error(Invalid("username is required on every credential update"));
  }
  if (quirks && !password) {
    return Error(Invalid("password is required on every credential update"));
  }
  if (username) {
    if (auto e = CheckUsername(*username)) return Error(*e);
  }
  if (password) {
    if (auto e = CheckPassword(*password)) return Error(*e);
  }
  if (name) credential->name = *name;
  if (username) credential->username = *username;
  if (password) credential->password = *password;
  return Written(202, kCredentialKind, credential->uuid);
}

http::Response PlivoApi::State::IpAcls(const std::string& auth_id, Account& account,
                                       const std::string* id, const std::string& method,
                                       const Params& params, const json::object& body) {
  if (id == nullptr && method == "GET") {
    return ListAll(auth_id, kIpAclKind, params, account.ipacls, IpAclJson);
  }
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> ips;
  if (method == "POST") {
    if (auto e = ReadString(body, "name", &name)) return Error(*e);
    if (auto e = ReadIpAddresses(body, /*required=*/id == nullptr, &ips)) return Error(*e);
  }
  if (id == nullptr) {
    IpAcl a{NewUuid(), name.value_or(""), std::move(*ips)};
    account.ipacls.push_back(a);
    return Written(201, kIpAclKind, a.uuid);
  }

  IpAcl* acl = FindByUuid(account.ipacls, *id);
  if (acl == nullptr) return Error(404, "IP access control list " + *id + " not found");
  if (method == "GET") return Object(IpAclJson(*acl));
  if (method == "DELETE") {
    std::erase_if(account.ipacls, [&](const IpAcl& a) { return a.uuid == *id; });
    return Deleted();
  }
  if (name) acl->name = *name;
  if (ips) acl->ip_addresses = std::move(*ips);  // replaces the whole list (docs/plivo.md §6)
  return Written(202, kIpAclKind, acl->uuid);
}

http::Response PlivoApi::State::Uris(const std::string& auth_id, Account& account,
                                     const std::string* id, const std::string& method,
                                     const Params& params, const json::object& body) {
  if (id == nullptr && method == "GET") {
    return ListAll(auth_id, kUriKind, params, account.uris, UriJson);
  }
  std::optional<std::string> name, uri, username, password;
  std::optional<bool> auth;
  if (method == "POST") {
    if (auto e = ReadString(body, "name", &name)) return Error(*e);
    if (auto e = ReadString(body, "uri", &uri)) return Error(*e);
    if (auto e = ReadBool(body, "authentication_needed", &auth)) return Error(*e);
    if (auto e = ReadString(body, "username", &username)) return Error(*e);
    if (auto e = ReadString(body, "password", &password)) return Error(*e);
    if (uri) uri = std::string(Trim(*uri));
  }

  Uri* existing = nullptr;
  if (id != nullptr) {
    existing = FindByUuid(account.uris, *id);
    if (existing == nullptr) return Error(404, "origination URI " + *id + " not found");
    if (method == "GET") return Object(UriJson(*existing));
    if (method == "DELETE") {
      // Live, trunks pointing at the URI go with it (docs/plivo.md §7, §11.7); documented,
      // inbound calls on them just fail.
      if (quirks) {
        std::vector<std::string> doomed;
        for (const Trunk& t : account.trunks) {
          if (t.primary_uri_uuid == *id || t.fallback_uri_uuid == *id) {
            doomed.push_back(t.trunk_id);
          }
        }
        for (const std::string& trunk_id : doomed) DeleteTrunk(account, trunk_id);
      }
      std::erase_if(account.uris, [&](const Uri& u) { return u.uuid == *id; });
      return Deleted();
    }
    // Live, a write is refused unless it restates what a password belongs to (docs/plivo.md §7).
    if (quirks && password && !auth) {
      return Error(Invalid("authentication_needed must be restated with a password change"));
    }
    if (quirks && password && !username) {
      return Error(Invalid("username must be restated with a password change"));
    }
  } else if (!uri) {
    return Error(Missing("uri is required"));
  }

  Uri u = existing != nullptr ? *existing : Uri{};
  if (name) u.name = *name;
  if (uri) {
    if (auto e = CheckUriValue(*uri)) return Error(*e);
    u.uri = *uri;
  }
  if (auth) u.authentication_needed = *auth;
  if (username) u.username = *username;
  if (password) u.password = *password;
  if (u.authentication_needed) {
    if (u.username.empty())
      return Error(Missing("username is required when authentication_needed"));
    if (u.password.empty())
      return Error(Missing("password is required when authentication_needed"));
  } else {
    // Without authentication there is nothing to log in with: username reads null (§13).
    u.username.clear();
    u.password.clear();
  }
  if (existing != nullptr) {
    *existing = u;
    return Written(202, kUriKind, u.uuid);
  }
  u.uuid = NewUuid();
  account.uris.push_back(u);
  return Written(201, kUriKind, u.uuid);
}

http::Response PlivoApi::State::Numbers(const std::string& auth_id, Account& account,
                                        const std::string& digits, const std::string& method,
                                        const json::object& body) {
  if (method == "GET") {
    auto it = account.numbers.find(digits);
    if (it == account.numbers.end()) return Error(404, "number " + digits + " not found");
    return Object(NumberJson(auth_id, digits, it->second));
  }
  if (method != "POST") return MethodNotAllowed("GET, POST");

  std::optional<std::string> app_id, alias;
  const json::value* app = body.if_contains("app_id");
  if (app != nullptr && (app->is_int64() || app->is_uint64())) {
    app_id = json::serialize(*app);  // a trunk id sent as a JSON number still names it
  } else if (auto e = ReadRef(body, "app_id", &app_id)) {
    return Error(*e);
  }
  if (auto e = ReadString(body, "alias", &alias)) return Error(*e);
  if (app_id && !app_id->empty()) {
    const Trunk* trunk = FindTrunk(account.trunks, *app_id);
    if (trunk == nullptr)
      return Error(404, "app_id " + *app_id + " is not a trunk of this account");
    // docs/plivo.md §8: only inbound trunks should take numbers, but no documented rule refuses an
    // outbound one: live accepts it and the number stops answering. So does the emulator,
    // and the state dump shows it, for tests to catch a client that lets it happen.
  }
  Number& number = account.numbers[digits];
  // Omitting app_id assigns the account's default application (docs/plivo.md §8), of which the
  // emulator has none: the number is left unrouted.
  number.trunk_id = app_id.value_or("");
  if (alias) number.alias = *alias;
  return JsonResponse(202, json::object{{"message", "changed"}, {"api_id", NewApiId()}});
}

PlivoApi::PlivoApi(PlivoOptions options) : state_(std::make_unique<State>()) {
  state_->quirks = options.quirks;
  state_->seed = options.seed;
  state_->Reseed();
  for (auto& [auth_id, token] : options.accounts) state_->accounts[auth_id].auth_token = token;
}

PlivoApi::~PlivoApi() = default;

http::Response PlivoApi::Handle(const http::Request& request, const std::string& /*base_url*/) {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->Handle(request);
}

json::value PlivoApi::Dump() const {
  std::lock_guard<std::mutex> lock(mu_);
  json::object accounts;
  for (const auto& [auth_id, account] : state_->accounts) {
    json::array trunks, credentials, ipacls, uris, numbers;
    for (const Trunk& t : account.trunks) trunks.emplace_back(TrunkJson(t));
    for (const Credential& c : account.credentials) credentials.emplace_back(CredentialJson(c));
    for (const IpAcl& a : account.ipacls) ipacls.emplace_back(IpAclJson(a));
    for (const Uri& u : account.uris) uris.emplace_back(UriJson(u));
    for (const auto& [digits, n] : account.numbers) {
      json::object number = NumberJson(auth_id, digits, n);
      number["app_id"] = NullIfEmpty(n.trunk_id);
      numbers.emplace_back(std::move(number));
    }
    accounts[auth_id] = json::object{{"trunks", std::move(trunks)},
                                     {"credentials", std::move(credentials)},
                                     {"ip_access_control_lists", std::move(ipacls)},
                                     {"uris", std::move(uris)},
                                     {"numbers", std::move(numbers)}};
  }
  return json::object{{"quirks", state_->quirks}, {"accounts", std::move(accounts)}};
}

void PlivoApi::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [auth_id, account] : state_->accounts) {
    Account fresh;
    fresh.auth_token = account.auth_token;
    account = std::move(fresh);
  }
  state_->Reseed();
}

void PlivoApi::set_quirks(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  state_->quirks = on;
}

bool PlivoApi::quirks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_->quirks;
}

}  // namespace trunkline::emulator
