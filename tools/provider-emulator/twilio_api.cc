#include "twilio_api.h"

#include <strings.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cstdio>

#include "common.h"

namespace trunkline::emulator {
namespace json = boost::json;
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kDomainSuffix = ".pstn.twilio.com";

http::Response Error(int status, int code, const std::string& message) {
  return JsonResponse(status, json::object{{"code", code},
                                           {"message", message},
                                           {"more_info", "https://www.twilio.com/docs/errors/" +
                                                             std::to_string(code)},
                                           {"status", status}});
}

http::Response NotFound(const std::string& resource) {
  return Error(404, 20404, "The requested resource " + resource + " was not found");
}

http::Response Invalid(const std::string& message) { return Error(400, 21245, message); }

bool IsSid(std::string_view s, std::string_view prefix) {
  return s.size() == 34 && s.substr(0, 2) == prefix &&
         std::all_of(s.begin() + 2, s.end(), [](char c) { return std::isxdigit(c) != 0; });
}

const std::string* Find(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

// The first parameter not in `known`, or given twice (every parameter here is a single
// value), as an answer.
std::optional<http::Response> Unknown(const Params& params,
                                      std::initializer_list<std::string_view> known) {
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& key = params[i].first;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      return Error(400, 20001, "Unknown parameter: " + key);
    }
    for (size_t j = 0; j < i; ++j) {
      if (params[j].first == key) return Error(400, 20001, key + " is given more than once");
    }
  }
  return std::nullopt;
}

std::optional<http::Response> Bool(const std::string& name, const std::string& text, bool* out) {
  if (strcasecmp(text.c_str(), "true") == 0) {
    *out = true;
  } else if (strcasecmp(text.c_str(), "false") == 0) {
    *out = false;
  } else {
    return Invalid(name + " must be true or false, got \"" + text + "\"");
  }
  return std::nullopt;
}

std::optional<http::Response> Int(const std::string& name, const std::string& text, int64_t lo,
                                  int64_t hi, int64_t* out, int code = 21245) {
  int64_t value = 0;
  size_t used = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < lo || value > hi) {
    return Error(400, code,
                 name + " must be an integer from " + std::to_string(lo) + " to " +
                     std::to_string(hi) + ", got \"" + text + "\"");
  }
  *out = value;
  return std::nullopt;
}

std::optional<http::Response> Enum(const std::string& name, const std::string& text,
                                   std::initializer_list<std::string_view> values) {
  if (std::find(values.begin(), values.end(), text) != values.end()) return std::nullopt;
  std::string list;
  for (std::string_view v : values) list += (list.empty() ? "" : ", ") + std::string(v);
  return Invalid(name + " must be one of " + list + ", got \"" + text + "\"");
}

std::optional<http::Response> FriendlyName(const std::string& text) {
  if (text.size() <= 64) return std::nullopt;
  return Error(400, 20002, "FriendlyName must be at most 64 characters");
}

// An absolute URL with the given schemes.
bool IsUrl(const std::string& text, std::initializer_list<std::string_view> schemes) {
  auto url = boost::urls::parse_uri(text);
  if (!url) return false;
  const std::string scheme = url->scheme();
  return std::any_of(schemes.begin(), schemes.end(), [&](std::string_view s) {
    return strcasecmp(scheme.c_str(), std::string(s).c_str()) == 0;
  });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool ValidDomain(const std::string& domain) {
  if (domain.size() <= kDomainSuffix.size() || !Lower(domain).ends_with(kDomainSuffix)) {
    return false;
  }
  const std::string_view label(domain.data(), domain.size() - kDomainSuffix.size());
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

json::value OrNull(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

// The sub-resources that associate something by SID with a trunk.
struct AssociationKind {
  std::string_view segment;  // in the path
  std::string_view param;    // the create parameter
  std::string_view prefix;   // of the associated SID
  std::string_view key;      // the list key
};
constexpr AssociationKind kKinds[] = {
    {"CredentialLists", "CredentialListSid", "CL", "credential_lists"},
    {"IpAccessControlLists", "IpAccessControlListSid", "AL", "ip_access_control_lists"},
    {"PhoneNumbers", "PhoneNumberSid", "PN", "phone_numbers"},
};

const AssociationKind* KindOf(std::string_view segment) {
  for (const AssociationKind& k : kKinds) {
    if (k.segment == segment) return &k;
  }
  return nullptr;
}

// A phone number's digits, made up from its SID: the emulator has no number inventory, so
// any well-formed PN SID stands for a number of the account.
std::string PhoneNumberOf(const std::string& sid) {
  const uint64_t n = std::stoull(sid.substr(sid.size() - 12), nullptr, 16) % 10'000'000;
  char digits[16];
  std::snprintf(digits, sizeof digits, "%07llu", static_cast<unsigned long long>(n));
  return std::string("+1555") + digits;
}

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

http::Response MethodNotAllowed(const std::string& method, const char* allowed) {
  http::Response r = Error(405, 20004, "Method not allowed: " + method);
  r.headers.push_back({"Allow", allowed});
  return r;
}

http::Response Deleted() { return http::Response{204, {}, ""}; }

}  // namespace

struct TwilioApi::Call {
  const http::Request& request;
  std::string base;  // "http://host:port/v1"
  std::string account_sid;
  std::string path;
  Params query;
  Params form;
};

TwilioApi::TwilioApi(TwilioOptions options) : options_(std::move(options)), rng_(options_.seed) {}

std::string TwilioApi::NewSid(const char* prefix) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(rng_()),
                static_cast<unsigned long long>(rng_()));
  return prefix + std::string(hex);
}

std::optional<std::string> TwilioApi::AccountOf(const http::Request& request) const {
  const std::optional<BasicCredentials> credentials = ParseBasicAuth(request.headers);
  if (!credentials) return std::nullopt;
  for (const TwilioAccount& a : options_.accounts) {
    if (a.account_sid == credentials->user && a.auth_token == credentials->password) {
      return a.account_sid;
    }
  }
  for (const TwilioApiKey& k : options_.api_keys) {
    if (k.key_sid == credentials->user && k.secret == credentials->password) {
      return k.account_sid;
    }
  }
  return std::nullopt;
}

http::Response TwilioApi::Handle(const http::Request& request, const std::string& base_url) {
  const std::optional<std::string> account = AccountOf(request);
  if (!account) {
    http::Response r = Error(401, 20003, "Authenticate");
    r.headers.push_back({"WWW-Authenticate", "Basic realm=\"Twilio API\""});
    return r;
  }
  std::optional<Target> target = ParseTarget(request.target);
  if (!target) return Error(400, 20001, "Malformed request target");
  Call call{request, base_url, *account, std::move(target->path), std::move(target->params), {}};
  if (request.method == "POST") {
    const std::string type = http::FindHeader(request.headers, "Content-Type").value_or("");
    if (!request.body.empty() && type.find("application/x-www-form-urlencoded") != 0) {
      return Error(415, 20001, "Unsupported Content-Type; send application/x-www-form-urlencoded");
    }
    std::optional<Params> form = ParseForm(request.body);
    if (!form) return Error(400, 20001, "Malformed form body");
    call.form = std::move(*form);
  }
  if (call.path.size() > 1 && call.path.back() == '/') call.path.pop_back();
  std::lock_guard lock(mu_);
  return Route(call);
}

http::Response TwilioApi::Route(Call& call) {
  const std::vector<std::string> parts = Split(call.path);
  if (parts.size() < 2 || parts[0] != "v1" || parts[1] != "Trunks") return NotFound(call.path);
  if (parts.size() == 2) return TrunkCollection(call);
  const std::string resource = call.path.substr(3);  // without "/v1", as Twilio names it
  if (!IsSid(parts[2], "TK")) return NotFound(resource);
  Trunks& mine = accounts_[call.account_sid];
  auto it = mine.find(parts[2]);
  if (it == mine.end()) return NotFound("/Trunks/" + parts[2]);
  Trunk& trunk = it->second;
  if (parts.size() == 3) return TrunkInstance(call, trunk);
  if (parts.size() > 5) return NotFound(resource);
  const std::string* sid = parts.size() == 5 ? &parts[4] : nullptr;
  if (parts[3] == "OriginationUrls") return OriginationUrls(call, trunk, sid);
  if (parts[3] == "Recording" && sid == nullptr) return Recording(call, trunk);
  if (KindOf(parts[3]) != nullptr) return Associations(call, trunk, parts[3], sid);
  return NotFound(resource);
}

namespace {

// One page of `items` (a map by SID), as Twilio pages: PageSize 1-1000 (default 50), Page,
// and opaque PageTokens (PA<sid>: after that item, PB<sid>: before it).
template <typename Map, typename ToJson>
http::Response Page(const Params& query, const std::string& list_url, std::string_view key,
                    const Map& items, ToJson to_json) {
  if (auto bad = Unknown(query, {"PageSize", "Page", "PageToken"})) return *bad;
  int64_t size = 50, page = 0;
  if (const std::string* v = Find(query, "PageSize")) {
    if (auto bad = Int("PageSize", *v, 1, 1000, &size, 20001)) return *bad;
  }
  if (const std::string* v = Find(query, "Page")) {
    if (auto bad = Int("Page", *v, 0, INT32_MAX, &page, 20001)) return *bad;
  }
  auto first = items.begin();
  const std::string* token = Find(query, "PageToken");
  if (token != nullptr) {
    const bool after = token->starts_with("PA"), before = token->starts_with("PB");
    if ((!after && !before) || token->size() < 3) {
      return Error(400, 21481, "Invalid PageToken");
    }
    const std::string sid = token->substr(2);
    if (after) {
      first = items.upper_bound(sid);
    } else {
      first = items.lower_bound(sid);
      for (int64_t i = 0; i < size && first != items.begin(); ++i) --first;
    }
  } else {
    for (int64_t i = 0; i < page * size && first != items.end(); ++i) ++first;
  }
  json::array records;
  auto last = first;
  std::string first_sid, last_sid;
  for (; last != items.end() && static_cast<int64_t>(records.size()) < size; ++last) {
    records.push_back(to_json(last->second));
    if (first_sid.empty()) first_sid = last->first;
    last_sid = last->first;
  }
  const std::string sized = list_url + "?PageSize=" + std::to_string(size);
  auto page_url = [&](int64_t n, const std::string& t) {
    return sized + "&Page=" + std::to_string(n) + (t.empty() ? "" : "&PageToken=" + t);
  };
  json::value next = nullptr, previous = nullptr;
  if (last != items.end()) next = page_url(page + 1, "PA" + last_sid);
  if (first != items.begin() && page > 0) previous = page_url(page - 1, "PB" + first_sid);
  json::object meta{{"page", page},
                    {"page_size", size},
                    {"first_page_url", page_url(0, "")},
                    {"previous_page_url", previous},
                    {"url", page_url(page, token ? *token : "")},
                    {"next_page_url", next},
                    {"key", key}};
  return JsonResponse(200, json::object{{key, std::move(records)}, {"meta", std::move(meta)}});
}

}  // namespace

json::object TwilioApi::TrunkJson(const Trunk& t, const std::string& base) const {
  const std::string url = base + "/Trunks/" + t.sid;
  json::array auth_types;
  if (!t.credential_lists.empty()) auth_types.emplace_back("CREDENTIAL_LIST");
  if (!t.ip_access_control_lists.empty()) auth_types.emplace_back("IP_ACL");
  std::string auth_type;
  for (const json::value& v : auth_types) {
    auth_type += (auth_type.empty() ? "" : ",") + std::string(v.as_string());
  }
  json::object links;
  for (const auto& [key, segment] : {std::pair{"origination_urls", "OriginationUrls"},
                                     std::pair{"credential_lists", "CredentialLists"},
                                     std::pair{"ip_access_control_lists", "IpAccessControlLists"},
                                     std::pair{"phone_numbers", "PhoneNumbers"}}) {
    links[key] = url + "/" + segment;
  }
  return json::object{{"sid", t.sid},
                      {"account_sid", t.account_sid},
                      {"domain_name", OrNull(t.domain_name)},
                      {"disaster_recovery_method", t.disaster_recovery_method},
                      {"disaster_recovery_url", OrNull(t.disaster_recovery_url)},
                      {"friendly_name", OrNull(t.friendly_name)},
                      {"secure", t.secure},
                      {"cnam_lookup_enabled", t.cnam_lookup_enabled},
                      {"symmetric_rtp_enabled", false},
                      {"recording", {{"mode", t.recording_mode}, {"trim", t.recording_trim}}},
                      {"transfer_mode", t.transfer_mode},
                      {"transfer_caller_id", t.transfer_caller_id},
                      {"auth_type", auth_type},
                      {"auth_type_set", std::move(auth_types)},
                      {"date_created", t.date_created},
                      {"date_updated", t.date_updated},
                      {"url", url},
                      {"links", std::move(links)}};
}

json::object TwilioApi::OriginationUrlJson(const Trunk& t, const OriginationUrl& u,
                                           const std::string& base) const {
  return json::object{{"account_sid", t.account_sid},
                      {"sid", u.sid},
                      {"trunk_sid", t.sid},
                      {"weight", u.weight},
                      {"enabled", u.enabled},
                      {"sip_url", u.sip_url},
                      {"friendly_name", u.friendly_name},
                      {"priority", u.priority},
                      {"date_created", u.date_created},
                      {"date_updated", u.date_updated},
                      {"url", base + "/Trunks/" + t.sid + "/OriginationUrls/" + u.sid}};
}

json::object TwilioApi::AssociationJson(const Trunk& t, const std::string& kind,
                                        const Association& a, const std::string& base) const {
  const std::string url = base + "/Trunks/" + t.sid + "/" + kind + "/" + a.sid;
  if (kind != "PhoneNumbers") {
    return json::object{{"account_sid", t.account_sid},
                        {"sid", a.sid},
                        {"trunk_sid", t.sid},
                        {"friendly_name", kind == "CredentialLists" ? "Credential list " + a.sid
                                                                    : "IP access list " + a.sid},
                        {"date_created", a.date_created},
                        {"date_updated", a.date_created},
                        {"url", url}};
  }
  const std::string number = PhoneNumberOf(a.sid);
  return json::object{
      {"account_sid", t.account_sid},
      {"address_requirements", "none"},
      {"api_version", "2010-04-01"},
      {"beta", false},
      {"capabilities", {{"voice", true}, {"sms", true}, {"mms", true}, {"fax", false}}},
      {"date_created", a.date_created},
      {"date_updated", a.date_created},
      {"friendly_name",
       "(" + number.substr(2, 3) + ") " + number.substr(5, 3) + "-" + number.substr(8)},
      {"links",
       {{"phone_number", "https://api.twilio.com/2010-04-01/Accounts/" + t.account_sid +
                             "/IncomingPhoneNumbers/" + a.sid}}},
      {"phone_number", number},
      {"sid", a.sid},
      {"sms_application_sid", nullptr},
      {"sms_fallback_method", "POST"},
      {"sms_fallback_url", nullptr},
      {"sms_method", "POST"},
      {"sms_url", nullptr},
      {"status_callback", nullptr},
      {"status_callback_method", "POST"},
      {"trunk_sid", t.sid},
      {"url", url},
      {"voice_application_sid", nullptr},
      {"voice_caller_id_lookup", false},
      {"voice_fallback_method", "POST"},
      {"voice_fallback_url", nullptr},
      {"voice_method", "POST"},
      {"voice_url", nullptr}};
}

http::Response TwilioApi::TrunkCollection(Call& call) {
  const std::string base = call.base + "/v1";
  if (call.request.method == "GET") {
    return Page(call.query, base + "/Trunks", "trunks", accounts_[call.account_sid],
                [&](const Trunk& t) { return TrunkJson(t, base); });
  }
  if (call.request.method != "POST") return MethodNotAllowed(call.request.method, "GET, POST");
  Trunk trunk;
  trunk.account_sid = call.account_sid;
  trunk.date_created = trunk.date_updated = IsoNow();
  return TrunkInstance(call, trunk);
}

// Fetch, update, delete; and create, for a trunk that is not stored yet (empty SID).
http::Response TwilioApi::TrunkInstance(Call& call, Trunk& trunk) {
  const std::string base = call.base + "/v1";
  const bool creating = trunk.sid.empty();
  const std::string& method = call.request.method;
  if (method == "GET" && !creating) return JsonResponse(200, TrunkJson(trunk, base));
  if (method == "DELETE" && !creating) {
    if (trunk.domain_name) domains_.erase(Lower(*trunk.domain_name));
    accounts_[trunk.account_sid].erase(trunk.sid);
    return Deleted();
  }
  if (method != "POST") return MethodNotAllowed(method, "GET, POST, DELETE");
  const Params& p = call.form;
  if (auto bad =
          Unknown(p, {"FriendlyName", "DomainName", "DisasterRecoveryUrl", "DisasterRecoveryMethod",
                      "TransferMode", "Secure", "CnamLookupEnabled", "TransferCallerId"})) {
    return *bad;
  }
  Trunk next = trunk;
  if (const std::string* v = Find(p, "FriendlyName")) {
    if (auto bad = FriendlyName(*v)) return *bad;
    next.friendly_name = *v;
  }
  if (const std::string* v = Find(p, "DomainName")) {
    if (!ValidDomain(*v)) {
      return Invalid(
          "DomainName must be letters, digits and '-' ending in pstn.twilio.com, got \"" + *v +
          "\"");
    }
    auto taken = domains_.find(Lower(*v));
    if (taken != domains_.end() && taken->second != trunk.sid) {
      return Error(400, 21248, "Trunk Domain already taken: " + *v);
    }
    next.domain_name = *v;
  }
  if (const std::string* v = Find(p, "DisasterRecoveryUrl")) {
    if (!v->empty() && !IsUrl(*v, {"http", "https"})) {
      return Error(400, 21205, "DisasterRecoveryUrl is not a valid http(s) URL: " + *v);
    }
    next.disaster_recovery_url = v->empty() ? std::nullopt : std::optional(*v);
  }
  if (const std::string* v = Find(p, "DisasterRecoveryMethod")) {
    if (auto bad = Enum("DisasterRecoveryMethod", *v, {"GET", "POST"})) return *bad;
    next.disaster_recovery_method = *v;
  }
  if (const std::string* v = Find(p, "TransferMode")) {
    if (auto bad = Enum("TransferMode", *v, {"disable-all", "enable-all", "sip-only"})) {
      return *bad;
    }
    next.transfer_mode = *v;
  }
  if (const std::string* v = Find(p, "TransferCallerId")) {
    if (auto bad = Enum("TransferCallerId", *v, {"from-transferee", "from-transferor"})) {
      return *bad;
    }
    next.transfer_caller_id = *v;
  }
  if (const std::string* v = Find(p, "Secure")) {
    if (auto bad = Bool("Secure", *v, &next.secure)) return *bad;
  }
  if (const std::string* v = Find(p, "CnamLookupEnabled")) {
    if (auto bad = Bool("CnamLookupEnabled", *v, &next.cnam_lookup_enabled)) return *bad;
  }
  if (creating) {
    next.sid = NewSid("TK");
  } else {
    next.date_updated = IsoNow();
  }
  if (trunk.domain_name) domains_.erase(Lower(*trunk.domain_name));
  if (next.domain_name) domains_[Lower(*next.domain_name)] = next.sid;
  Trunk& stored = accounts_[next.account_sid][next.sid] = std::move(next);
  return JsonResponse(creating ? 201 : 200, TrunkJson(stored, base));
}

http::Response TwilioApi::OriginationUrls(Call& call, Trunk& trunk, const std::string* sid) {
  const std::string base = call.base + "/v1";
  const std::string list = base + "/Trunks/" + trunk.sid + "/OriginationUrls";
  const std::string& method = call.request.method;
  OriginationUrl* url = nullptr;
  if (sid != nullptr) {
    if (method != "GET" && method != "POST" && method != "DELETE") {
      return MethodNotAllowed(method, "GET, POST, DELETE");
    }
    auto it = trunk.origination_urls.find(*sid);
    if (!IsSid(*sid, "OU") || it == trunk.origination_urls.end()) {
      return NotFound("/Trunks/" + trunk.sid + "/OriginationUrls/" + *sid);
    }
    url = &it->second;
    if (method == "GET") return JsonResponse(200, OriginationUrlJson(trunk, *url, base));
    if (method == "DELETE") {
      trunk.origination_urls.erase(it);
      return Deleted();
    }
  } else {
    if (method == "GET") {
      return Page(call.query, list, "origination_urls", trunk.origination_urls,
                  [&](const OriginationUrl& u) { return OriginationUrlJson(trunk, u, base); });
    }
    if (method != "POST") return MethodNotAllowed(method, "GET, POST");
  }
  const Params& p = call.form;
  if (auto bad = Unknown(p, {"Weight", "Priority", "Enabled", "FriendlyName", "SipUrl"})) {
    return *bad;
  }
  if (url == nullptr) {
    for (const char* required : {"Weight", "Priority", "Enabled", "FriendlyName", "SipUrl"}) {
      if (Find(p, required) == nullptr) {
        return Invalid(std::string(required) + " is required to create an origination URL");
      }
    }
  }
  OriginationUrl next = url ? *url : OriginationUrl{};
  if (const std::string* v = Find(p, "Weight")) {
    if (auto bad = Int("Weight", *v, 1, 65535, &next.weight)) return *bad;
  }
  if (const std::string* v = Find(p, "Priority")) {
    if (auto bad = Int("Priority", *v, 0, 65535, &next.priority)) return *bad;
  }
  if (const std::string* v = Find(p, "Enabled")) {
    if (auto bad = Bool("Enabled", *v, &next.enabled)) return *bad;
  }
  if (const std::string* v = Find(p, "FriendlyName")) {
    if (auto bad = FriendlyName(*v)) return *bad;
    next.friendly_name = *v;
  }
  if (const std::string* v = Find(p, "SipUrl")) {
    if (!IsUrl(*v, {"sip"})) {
      return Error(400, 21205,
                   "SipUrl must be a sip: URL (sips is not supported), got \"" + *v + "\"");
    }
    next.sip_url = *v;
  }
  const bool creating = url == nullptr;
  if (creating) {
    next.sid = NewSid("OU");
    next.date_created = next.date_updated = IsoNow();
  } else {
    next.date_updated = IsoNow();
  }
  OriginationUrl& stored = trunk.origination_urls[next.sid] = std::move(next);
  return JsonResponse(creating ? 201 : 200, OriginationUrlJson(trunk, stored, base));
}

http::Response TwilioApi::Associations(Call& call, Trunk& trunk, const std::string& segment,
                                       const std::string* sid) {
  const AssociationKind& kind = *KindOf(segment);
  std::map<std::string, Association>& items = trunk.Associated(segment);
  const std::string base = call.base + "/v1";
  const std::string& method = call.request.method;
  if (sid != nullptr) {
    if (method != "GET" && method != "DELETE") return MethodNotAllowed(method, "GET, DELETE");
    auto it = items.find(*sid);
    if (!IsSid(*sid, kind.prefix) || it == items.end()) {
      return NotFound("/Trunks/" + trunk.sid + "/" + segment + "/" + *sid);
    }
    if (method == "GET")
      return JsonResponse(200, AssociationJson(trunk, segment, it->second, base));
    items.erase(it);
    trunk.date_updated = IsoNow();
    return Deleted();
  }
  if (method == "GET") {
    return Page(call.query, base + "/Trunks/" + trunk.sid + "/" + segment, kind.key, items,
                [&](const Association& a) { return AssociationJson(trunk, segment, a, base); });
  }
  if (method != "POST") return MethodNotAllowed(method, "GET, POST");
  const std::string param(kind.param);
  if (auto bad = Unknown(call.form, {kind.param})) return *bad;
  const std::string* value = Find(call.form, kind.param);
  if (value == nullptr) return Invalid(param + " is required");
  if (!IsSid(*value, kind.prefix)) {
    return Invalid(param + " must be " + std::string(kind.prefix) +
                   " followed by 32 hex digits, got \"" + *value + "\"");
  }
  if (items.count(*value)) {
    return Invalid(std::string(kind.prefix) + " " + *value + " is already associated with trunk " +
                   trunk.sid);
  }
  if (segment == "PhoneNumbers") {
    for (const auto& [other_sid, other] : accounts_[trunk.account_sid]) {
      if (other.phone_numbers.count(*value)) {
        return Invalid("Phone number " + *value + " is already associated with trunk " + other_sid);
      }
    }
  }
  Association& stored = items[*value] = Association{*value, IsoNow()};
  trunk.date_updated = stored.date_created;
  return JsonResponse(201, AssociationJson(trunk, segment, stored, base));
}

http::Response TwilioApi::Recording(Call& call, Trunk& trunk) {
  const std::string& method = call.request.method;
  if (method == "POST") {
    if (auto bad = Unknown(call.form, {"Mode", "Trim"})) return *bad;
    std::string mode = trunk.recording_mode, trim = trunk.recording_trim;
    if (const std::string* v = Find(call.form, "Mode")) {
      if (auto bad = Enum("Mode", *v,
                          {"do-not-record", "record-from-ringing", "record-from-answer",
                           "record-from-ringing-dual", "record-from-answer-dual"})) {
        return *bad;
      }
      mode = *v;
    }
    if (const std::string* v = Find(call.form, "Trim")) {
      if (auto bad = Enum("Trim", *v, {"trim-silence", "do-not-trim"})) return *bad;
      trim = *v;
    }
    trunk.recording_mode = mode;
    trunk.recording_trim = trim;
    trunk.date_updated = IsoNow();
  } else if (method != "GET") {
    return MethodNotAllowed(method, "GET, POST");
  }
  return JsonResponse(200,
                      json::object{{"mode", trunk.recording_mode}, {"trim", trunk.recording_trim}});
}

json::value TwilioApi::Dump() const {
  std::lock_guard lock(mu_);
  json::object accounts;
  for (const auto& [account, trunks] : accounts_) {
    json::array list;
    for (const auto& [sid, t] : trunks) {
      json::object trunk = TrunkJson(t, "");
      json::array urls;
      for (const auto& [usid, u] : t.origination_urls) urls.push_back(OriginationUrlJson(t, u, ""));
      trunk["origination_urls"] = std::move(urls);
      for (const AssociationKind& kind : kKinds) {
        json::array sids;
        for (const auto& [asid, a] : t.Associated(kind.segment)) sids.emplace_back(asid);
        trunk[kind.key] = std::move(sids);
      }
      list.push_back(std::move(trunk));
    }
    if (!list.empty()) accounts[account] = std::move(list);
  }
  return json::object{{"trunks_by_account", std::move(accounts)}};
}

void TwilioApi::Reset() {
  std::lock_guard lock(mu_);
  accounts_.clear();
  domains_.clear();
  rng_.seed(options_.seed);
}

}  // namespace trunkline::emulator
