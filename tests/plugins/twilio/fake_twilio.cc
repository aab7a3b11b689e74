// A tiny in-memory Twilio (Trunking v1) for the convergence tests: the behaviour the
// provider notes and Twilio's OpenAPI file describe (partial POST updates, 201 creates, 204
// deletes, 404/20404 for missing resources, pages linked by absolute next_page_url).
#include "twilio_test_util.h"

namespace trunkline::twilio::testing {
namespace json = boost::json;

namespace {

// Twilio's form names and JSON names, kept apart from the adapter's tables.
const std::map<std::string, std::string> kTrunkForm = {
    {"FriendlyName", "friendly_name"},
    {"DomainName", "domain_name"},
    {"DisasterRecoveryUrl", "disaster_recovery_url"},
    {"DisasterRecoveryMethod", "disaster_recovery_method"},
    {"TransferMode", "transfer_mode"},
    {"Secure", "secure"},
    {"CnamLookupEnabled", "cnam_lookup_enabled"},
    {"TransferCallerId", "transfer_caller_id"}};
const std::map<std::string, std::string> kUrlForm = {{"FriendlyName", "friendly_name"},
                                                     {"SipUrl", "sip_url"},
                                                     {"Priority", "priority"},
                                                     {"Weight", "weight"},
                                                     {"Enabled", "enabled"}};
const std::map<std::string, std::string> kAssociationParam = {
    {"CredentialLists", "CredentialListSid"},
    {"IpAccessControlLists", "IpAccessControlListSid"},
    {"PhoneNumbers", "PhoneNumberSid"}};

json::value Typed(const std::string& name, const std::string& text) {
  if (name == "secure" || name == "cnam_lookup_enabled" || name == "enabled") {
    return json::value(text == "true");
  }
  if (name == "priority" || name == "weight") return json::value(std::stoll(text));
  if (name == "disaster_recovery_url" && text.empty()) return json::value(nullptr);
  return json::value(text);
}

std::optional<HttpResponse> Apply(const std::map<std::string, std::string>& form,
                                  const std::map<std::string, std::string>& names,
                                  std::map<std::string, json::value>& fields) {
  for (const auto& [param, value] : form) {
    auto it = names.find(param);
    if (it == names.end()) {
      return Answer(400, ErrorBody(20001, "Unknown parameter: " + param, 400));
    }
    fields[it->second] = Typed(it->second, value);
  }
  return std::nullopt;
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  std::string s;
  while (std::getline(in, s, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

}  // namespace

json::object FakeTwilio::TrunkJson(const std::string& sid, const Trunk& t) const {
  json::object o;
  o["sid"] = sid;
  o["account_sid"] = Sid("AC", 7);
  for (const auto& [name, value] : t.fields) o[name] = value;
  o["symmetric_rtp_enabled"] = false;
  o["recording"] = json::object{{"mode", t.mode}, {"trim", t.trim}};
  o["auth_type"] = "";
  o["auth_type_set"] = json::array{};
  o["date_created"] = "2026-01-02T03:04:05Z";
  o["date_updated"] = "2026-01-02T03:04:05Z";
  o["url"] = "https://trunking.twilio.com/v1/Trunks/" + sid;
  return o;
}

HttpResponse FakeTwilio::List(const HttpRequest& r, const std::string& key,
                              const std::vector<std::pair<std::string, json::value>>& items) const {
  int size = page_size_;
  std::string after;
  for (const auto& [name, value] : r.query) {
    if (name == "PageSize") size = std::min(size, std::stoi(value));
    if (name == "PageToken") after = value.substr(2);
  }
  json::array page;
  std::string last;
  bool more = false;
  for (const auto& [sid, item] : items) {
    if (!after.empty() && sid <= after) continue;
    if (static_cast<int>(page.size()) == size) {
      more = true;
      break;
    }
    page.push_back(item);
    last = sid;
  }
  json::value next = nullptr;
  if (more) {
    next = "https://trunking.twilio.com" + r.path + "?PageSize=" + std::to_string(size) +
           "&Page=1&PageToken=PA" + last;
  }
  return Answer(200, json::serialize(json::object{
                         {key, std::move(page)},
                         {"meta", {{"key", key}, {"next_page_url", next}, {"page_size", size}}}}));
}

HttpResponse FakeTwilio::Handle(const HttpRequest& r) {
  requests.push_back(r);
  const std::vector<std::string> parts = Segments(r.path);
  if (parts.size() < 2 || parts[0] != "v1" || parts[1] != "Trunks") return NotFound(r.path);
  return Trunks(r, parts);
}

HttpResponse FakeTwilio::Trunks(const HttpRequest& r, const std::vector<std::string>& parts) {
  const std::map<std::string, std::string> form = DecodeForm(r.body);
  if (parts.size() == 2 && r.method == "GET") {
    std::vector<std::pair<std::string, json::value>> items;
    for (const auto& [sid, t] : trunks) items.emplace_back(sid, TrunkJson(sid, t));
    return List(r, "trunks", items);
  }
  if (parts.size() == 2 && r.method == "POST") {
    Trunk t;
    if (auto bad = Apply(form, kTrunkForm, t.fields)) return *bad;
    const std::string sid = NewSid("TK");
    trunks[sid] = t;
    return Answer(201, json::serialize(TrunkJson(sid, t)));
  }
  if (parts.size() < 3) return Answer(405, ErrorBody(20004, "Method not allowed", 405));
  auto it = trunks.find(parts[2]);
  if (it == trunks.end()) return NotFound("/Trunks/" + parts[2]);
  if (parts.size() > 3) return Part(r, it->second, parts[2], parts);
  if (r.method == "GET") return Answer(200, json::serialize(TrunkJson(it->first, it->second)));
  if (r.method == "DELETE") {
    trunks.erase(it);
    return Answer(204, "");
  }
  if (auto bad = Apply(form, kTrunkForm, it->second.fields)) return *bad;
  return Answer(200, json::serialize(TrunkJson(it->first, it->second)));
}

HttpResponse FakeTwilio::Part(const HttpRequest& r, Trunk& t, const std::string& trunk_sid,
                              const std::vector<std::string>& parts) {
  const std::map<std::string, std::string> form = DecodeForm(r.body);
  const std::string& segment = parts[3];
  if (segment == "Recording") {
    if (r.method == "POST") {
      for (const auto& [name, value] : form) {
        if (name == "Mode") {
          t.mode = value;
        } else if (name == "Trim") {
          t.trim = value;
        } else {
          return Answer(400, ErrorBody(20001, "Unknown parameter: " + name, 400));
        }
      }
    }
    return Answer(200, json::serialize(json::object{{"mode", t.mode}, {"trim", t.trim}}));
  }
  const auto url_json = [&](const std::string& sid) {
    json::object o{{"sid", sid}, {"trunk_sid", trunk_sid}};
    for (const auto& [name, value] : t.origination_urls.at(sid)) o[name] = value;
    return o;
  };
  if (segment == "OriginationUrls") {
    if (parts.size() == 4 && r.method == "GET") {
      std::vector<std::pair<std::string, json::value>> items;
      for (const auto& [sid, u] : t.origination_urls) items.emplace_back(sid, url_json(sid));
      return List(r, "origination_urls", items);
    }
    if (parts.size() == 4) {
      if (form.size() != 5) return Answer(400, ErrorBody(21245, "All five are required", 400));
      std::map<std::string, json::value> fields;
      if (auto bad = Apply(form, kUrlForm, fields)) return *bad;
      const std::string sid = NewSid("OU");
      t.origination_urls[sid] = fields;
      return Answer(201, json::serialize(url_json(sid)));
    }
    auto u = t.origination_urls.find(parts[4]);
    if (u == t.origination_urls.end()) return NotFound(r.path);
    if (r.method == "DELETE") {
      t.origination_urls.erase(u);
      return Answer(204, "");
    }
    if (auto bad = Apply(form, kUrlForm, u->second)) return *bad;
    return Answer(200, json::serialize(url_json(parts[4])));
  }
  auto param = kAssociationParam.find(segment);
  if (param == kAssociationParam.end()) return NotFound(r.path);
  std::set<std::string>& sids = t.associations[segment];
  const auto association = [&](const std::string& sid) {
    return json::object{{"sid", sid}, {"trunk_sid", trunk_sid}};
  };
  if (parts.size() == 4 && r.method == "GET") {
    std::vector<std::pair<std::string, json::value>> items;
    for (const std::string& sid : sids) items.emplace_back(sid, association(sid));
    std::string key = segment == "CredentialLists"        ? "credential_lists"
                      : segment == "IpAccessControlLists" ? "ip_access_control_lists"
                                                          : "phone_numbers";
    return List(r, key, items);
  }
  if (parts.size() == 4) {
    if (form.size() != 1 || !form.count(param->second)) {
      return Answer(400, ErrorBody(20001, "Unknown parameter", 400));
    }
    const std::string sid = form.at(param->second);
    if (!known_sids.count(sid)) return NotFound("/" + sid);
    if (sids.count(sid)) {
      return Answer(400,
                    ErrorBody(21245, sid + " is already associated with trunk " + trunk_sid, 400));
    }
    sids.insert(sid);
    return Answer(201, json::serialize(association(sid)));
  }
  if (!sids.erase(parts[4])) return NotFound(r.path);
  return Answer(204, "");
}

DesiredTrunk FullTrunk(const FakeTwilio& twilio) {
  DesiredTrunk d;
  d.id = "trunk-1";
  d.account = "default";
  d.content.fields = {
      {"friendly_name", std::string("Main office: PBX & fax")},
      {"domain_name", std::string("main-office.pstn.twilio.com")},
      {"disaster_recovery_url", std::string("https://fallback.example.com/twiml?a=1&b=2")},
      {"disaster_recovery_method", std::string("GET")},
      {"transfer_mode", std::string("sip-only")},
      {"secure", true},
      {"cnam_lookup_enabled", true},
      {"transfer_caller_id", std::string("from-transferor")}};
  d.content.singletons[kRecording] = {{"mode", std::string("record-from-answer-dual")},
                                      {"trim", std::string("trim-silence")}};
  for (int i = 1; i <= 3; ++i) {
    d.content.items[kOriginationUrls]["pbx-" + std::to_string(i)] = {
        {"friendly_name", std::string("PBX ") + std::to_string(i)},
        {"sip_url", std::string("sip:pbx") + std::to_string(i) + ".example.com:5060"},
        {"priority", int64_t{10 * i}},
        {"weight", int64_t{i}},
        {"enabled", i != 2}};
  }
  std::vector<std::string> known(twilio.known_sids.begin(), twilio.known_sids.end());
  for (const std::string& sid : known) {
    const std::string prefix = sid.substr(0, 2);
    const char* sub = prefix == "CL"   ? "credential_lists"
                      : prefix == "AL" ? "ip_access_control_lists"
                                       : "phone_numbers";
    d.content.attachments[sub].push_back(sid);
  }
  return d;
}

}  // namespace trunkline::twilio::testing
