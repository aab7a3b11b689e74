#include "inputs.h"

#include <boost/json.hpp>
#include <functional>
#include <regex>

namespace trunkline::plugin_check {
namespace {

using plugin_sdk::DesiredTrunk;
using plugin_sdk::Fields;
using plugin_sdk::FieldSpec;
using plugin_sdk::FieldType;
using plugin_sdk::FieldValue;
using plugin_sdk::Observation;
using plugin_sdk::Step;
using plugin_sdk::StepKind;
using plugin_sdk::SubResourceKind;
using plugin_sdk::SubResourceSpec;

uint64_t Below(Rng& rng, uint64_t n) { return n == 0 ? 0 : rng() % n; }
bool Chance(Rng& rng, int percent) { return Below(rng, 100) < static_cast<uint64_t>(percent); }

template <typename T>
const T& Pick(Rng& rng, const std::vector<T>& items) {
  return items[Below(rng, items.size())];
}

std::string Chars(Rng& rng, const char* alphabet, size_t n) {
  const std::string_view a(alphabet);
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(a[Below(rng, a.size())]);
  return out;
}

std::string HexDigits(Rng& rng, size_t n) { return Chars(rng, "0123456789abcdef", n); }

std::string Uuid(Rng& rng) {
  return HexDigits(rng, 8) + "-" + HexDigits(rng, 4) + "-" + HexDigits(rng, 4) + "-" +
         HexDigits(rng, 4) + "-" + HexDigits(rng, 12);
}

// The shapes a string value is tried in; each takes the rng for its random part.
const std::vector<std::function<std::string(Rng&)>>& Shapes() {
  static const std::vector<std::function<std::string(Rng&)>> shapes = {
      [](Rng& r) { return HexDigits(r, 32); },
      [](Rng& r) { return Uuid(r); },
      [](Rng& r) { return "1" + Chars(r, "0123456789", 10); },
      [](Rng& r) { return "trunk-" + Chars(r, "abcdefghijklmnopqrstuvwxyz0123456789", 6); },
      [](Rng& r) { return "sip:" + Chars(r, "abcdefghij", 5) + "@sip.example.com"; },
      [](Rng& r) { return "https://hooks.example.com/" + Chars(r, "abcdefghij", 6); },
      [](Rng& r) { return Chars(r, "abcdefghijklmnopqrstuvwxyz", 8) + ".example.com"; },
      [](Rng& r) { return Chars(r, "abcdefghijklmnopqrstuvwxyz", 8); },
  };
  return shapes;
}

bool Quantifier(char c) { return c == '?' || c == '*' || c == '+' || c == '{'; }
bool Literal(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == ':' || c == '/' ||
         c == '@' || c == '_' || c == ',';
}

// The literal text a pattern starts with ("^CL[0-9a-f]{32}$" -> "CL").
std::string LiteralPrefix(const std::string& pattern) {
  std::string out;
  size_t i = pattern.starts_with("^") ? 1 : 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    size_t width = 1;
    if (c == '\\' && i + 1 < pattern.size() &&
        !std::isalnum(static_cast<unsigned char>(pattern[i + 1]))) {
      c = pattern[i + 1];
      width = 2;
    } else if (!Literal(c)) {
      break;
    }
    if (i + width < pattern.size() && Quantifier(pattern[i + width])) break;
    out.push_back(c);
    i += width;
  }
  return out;
}

// The literal text a pattern ends with ("^[a-z]+\\.pstn\\.example\\.com$" -> ".pstn.example.com").
std::string LiteralSuffix(const std::string& pattern) {
  std::string out;
  size_t end = pattern.ends_with("$") ? pattern.size() - 1 : pattern.size();
  while (end > 0) {
    const char c = pattern[end - 1];
    if (end >= 2 && pattern[end - 2] == '\\' && !std::isalnum(static_cast<unsigned char>(c))) {
      out.insert(out.begin(), c);
      end -= 2;
    } else if (Literal(c) && !(end >= 2 && pattern[end - 2] == '\\')) {
      out.insert(out.begin(), c);
      end -= 1;
    } else {
      break;
    }
  }
  // A literal right after a group or class may be part of a repetition; keep it anyway: a
  // candidate that does not match is simply not used.
  return out;
}

// For a pattern, the (shape, prefix?, suffix?) combinations that match it, found once.
struct Template {
  size_t shape;
  bool prefix;
  bool suffix;
};
struct PatternInfo {
  std::string prefix, suffix;
  std::vector<Template> templates;
};

const PatternInfo& Info(const std::string& pattern) {
  static std::map<std::string, PatternInfo> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  PatternInfo info{LiteralPrefix(pattern), LiteralSuffix(pattern), {}};
  try {
    const std::regex re(pattern, std::regex::ECMAScript);
    Rng rng(1);
    for (size_t s = 0; s < Shapes().size(); ++s) {
      for (int combo = 0; combo < 4; ++combo) {
        const bool p = combo & 1, x = combo & 2;
        const std::string text = (p ? info.prefix : "") + Shapes()[s](rng) + (x ? info.suffix : "");
        if (std::regex_match(text, re)) info.templates.push_back({s, p, x});
      }
    }
  } catch (const std::regex_error&) {
    // A pattern that does not compile (schema.patterns reports it) gets arbitrary shapes.
  }
  return cache.emplace(pattern, std::move(info)).first->second;
}

std::string Text(const std::string& pattern, uint32_t max_length, Rng& rng) {
  std::string out;
  if (pattern.empty()) {
    out = Shapes()[Below(rng, Shapes().size())](rng);
    if (Chance(rng, 10)) out = "Zürich trunk #" + std::to_string(Below(rng, 100));
  } else {
    const PatternInfo& info = Info(pattern);
    if (info.templates.empty()) {
      out = Shapes()[Below(rng, Shapes().size())](rng);
    } else {
      const Template& t = Pick(rng, info.templates);
      out = (t.prefix ? info.prefix : "") + Shapes()[t.shape](rng) + (t.suffix ? info.suffix : "");
    }
  }
  if (max_length > 0 && out.size() > max_length) out.resize(max_length);
  return out;
}

}  // namespace

Rng CaseRng(uint64_t seed, std::string_view stream, uint64_t index) {
  const uint64_t h = std::hash<std::string_view>{}(stream);
  std::seed_seq seq{static_cast<uint32_t>(seed),  static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(h),     static_cast<uint32_t>(h >> 32),
                    static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32)};
  return Rng(seq);
}

std::string RemoteId(Rng& rng) {
  switch (Below(rng, 4)) {
    case 0:
      return "TK" + HexDigits(rng, 32);
    case 1:
      return Uuid(rng);
    case 2:
      return Chars(rng, "0123456789", 15);
    default:
      return Chars(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20);
  }
}

InputFactory::InputFactory(plugin_sdk::Schema schema, std::map<std::string, std::string> secrets)
    : schema_(std::move(schema)), secrets_(std::move(secrets)) {}

FieldValue InputFactory::Value(const FieldSpec& spec, const std::string& path, Rng& rng) const {
  if (auto it = secrets_.find(path); it != secrets_.end()) return it->second;
  switch (spec.type) {
    case FieldType::kBool:
      return Chance(rng, 50);
    case FieldType::kInt: {
      const int64_t lo = spec.min.value_or(-1000);
      const int64_t hi = std::max(lo, spec.max.value_or(lo + 100000));
      if (Chance(rng, 20)) return Chance(rng, 50) ? lo : hi;
      return lo + static_cast<int64_t>(Below(rng, static_cast<uint64_t>(hi - lo) + 1));
    }
    case FieldType::kEnum:
      if (spec.values.empty()) return std::string("value");
      return Pick(rng, spec.values);
    case FieldType::kString:
      break;
  }
  return Text(spec.pattern, spec.max_length, rng);
}

Fields InputFactory::FieldsOf(const std::vector<FieldSpec>& specs, const std::string& prefix,
                              bool settable, Rng& rng) const {
  Fields out;
  for (const FieldSpec& f : specs) {
    if (f.read_only == settable) continue;
    const std::string path = prefix + f.name;
    if (f.required_on_create || secrets_.count(path) || Chance(rng, 70)) {
      out[f.name] = Value(f, path, rng);
    }
  }
  return out;
}

std::string InputFactory::Id(const std::string& pattern, Rng& rng) const {
  return Text(pattern, 0, rng);
}

plugin_sdk::TrunkFacts InputFactory::Facts(Rng& rng) const {
  plugin_sdk::TrunkFacts facts;
  facts.fields = FieldsOf(schema_.fields, "", true, rng);
  for (const SubResourceSpec& s : schema_.sub_resources) {
    if (s.kind != SubResourceKind::kAttachments || Chance(rng, 40)) continue;
    auto& ids = facts.attachments[s.name];
    for (uint64_t n = Below(rng, 4); n > 0; --n) ids.push_back(Id(s.id_pattern, rng));
  }
  return facts;
}

plugin_sdk::TrunkContent InputFactory::Content(Rng& rng) const {
  plugin_sdk::TrunkContent c;
  c.fields = FieldsOf(schema_.fields, "", true, rng);
  for (const SubResourceSpec& s : schema_.sub_resources) {
    const std::string prefix = s.name + ".";
    switch (s.kind) {
      case SubResourceKind::kSingleton:
        if (Chance(rng, 70)) c.singletons[s.name] = FieldsOf(s.fields, prefix, true, rng);
        break;
      case SubResourceKind::kCollection:
        for (uint64_t n = Below(rng, 4); n > 0; --n) {
          const std::string item =
              Chance(rng, 50) ? Pick(rng, std::vector<std::string>{"main", "backup", "primary"})
                              : "item-" + HexDigits(rng, 4);
          c.items[s.name][item] = FieldsOf(s.fields, prefix, true, rng);
        }
        break;
      case SubResourceKind::kAttachments: {
        std::vector<std::string> ids;
        for (uint64_t n = Below(rng, 4); n > 0; --n) ids.push_back(Id(s.id_pattern, rng));
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        if (!ids.empty()) c.attachments[s.name] = std::move(ids);
        break;
      }
    }
  }
  return c;
}

DesiredTrunk InputFactory::Desired(Rng& rng) const {
  DesiredTrunk d;
  d.id = "tr_" + HexDigits(rng, 26);
  d.account = Chance(rng, 50) ? "default" : "acct-" + HexDigits(rng, 4);
  d.content = Content(rng);
  return d;
}

Observation InputFactory::Read(const DesiredTrunk& desired, Rng& rng) const {
  Observation o;
  o.remote_id = RemoteId(rng);
  o.read = true;
  o.exists = true;
  o.content = Chance(rng, 50) ? desired.content : Content(rng);
  for (const auto& [collection, items] : o.content.items) {
    for (const auto& [item, fields] : items) o.item_ids[collection][item] = RemoteId(rng);
  }
  o.read_only = FieldsOf(schema_.fields, "", false, rng);
  return o;
}

plugin_sdk::PlanInput InputFactory::Plan(Rng& rng, std::string* state) const {
  plugin_sdk::PlanInput in;
  in.desired = Desired(rng);
  Observation& o = in.observation;
  switch (Below(rng, 9)) {
    case 0:
      *state = "nothing observed";
      break;
    case 1:
      *state = "create pending, lookup not done";
      o.create_pending = true;
      break;
    case 2:
      *state = "create pending, lookup done";
      o.create_pending = o.lookup_done = true;
      for (uint64_t n = Below(rng, 3); n > 0; --n) o.candidates.push_back(RemoteId(rng));
      break;
    case 3:
      *state = "remote id known, not read";
      o.remote_id = RemoteId(rng);
      break;
    case 4:
      *state = "read: the remote trunk is gone";
      o.read = true;
      break;
    case 5:
      *state = "read: remote trunk as desired or differing";
      o = Read(*in.desired, rng);
      break;
    case 6:
      *state = "read, desired trunk deleted";
      in.desired->deleted = true;
      o = Read(*in.desired, rng);
      break;
    case 7:
      *state = "desired trunk deleted, nothing observed";
      in.desired->deleted = true;
      break;
    default:
      *state = "import scan";
      in.desired.reset();
      for (uint64_t n = Below(rng, 3); n > 0; --n) o.found.push_back(Read(Desired(rng), rng));
      o.scan_done = Chance(rng, 30);
      break;
  }
  return in;
}

std::string InputFactory::Body(Rng& rng) const {
  namespace json = boost::json;
  std::vector<std::string> keys = {
      "sid",  "trunk_id", "id",     "api_id", "message",       "code",   "error", "more_info",
      "meta", "objects",  "trunks", "url",    "next_page_url", "status", "detail"};
  for (const FieldSpec& f : schema_.fields) keys.push_back(f.name);
  for (const SubResourceSpec& s : schema_.sub_resources) keys.push_back(s.name);
  std::function<json::value(int)> value = [&](int depth) -> json::value {
    switch (Below(rng, depth > 2 ? 5 : 8)) {
      case 0:
        return nullptr;
      case 1:
        return Chance(rng, 50);
      case 2:
        return static_cast<int64_t>(Below(rng, 70000)) - 5;
      case 3:
        return json::string(RemoteId(rng));
      case 4:
        return json::string(Text("", 0, rng));
      case 5: {
        json::array a;
        for (uint64_t n = Below(rng, 4); n > 0; --n) a.push_back(value(depth + 1));
        return a;
      }
      default: {
        json::object o;
        for (uint64_t n = Below(rng, 8); n > 0; --n) o[Pick(rng, keys)] = value(depth + 1);
        return o;
      }
    }
  };
  switch (Below(rng, 10)) {
    case 0:
      return "";
    case 1:
      return Pick(rng, std::vector<std::string>{"null", "[]", "{}", "not json",
                                                "{\"a\":", "\xff\xfe", "<html>502</html>"});
    default: {
      json::object o;
      for (uint64_t n = 1 + Below(rng, 10); n > 0; --n) o[Pick(rng, keys)] = value(0);
      return json::serialize(o);
    }
  }
}

plugin_sdk::AbsorbInput InputFactory::Absorb(Rng& rng, const plugin_sdk::PlanInput& plan,
                                             const Step* step, std::string* what) const {
  plugin_sdk::AbsorbInput in;
  in.desired = plan.desired;
  in.observation = plan.observation;
  if (step != nullptr) {
    in.step = *step;
  } else {
    static const std::vector<StepKind> kKinds = {StepKind::kRead, StepKind::kLookup,
                                                 StepKind::kCreate, StepKind::kUpdate,
                                                 StepKind::kDelete};
    in.step.kind = Pick(rng, kKinds);
    in.step.target = "trunk";
    if (!schema_.sub_resources.empty() && Chance(rng, 50)) {
      const SubResourceSpec& s = Pick(rng, schema_.sub_resources);
      in.step.target = s.name + (s.kind == SubResourceKind::kSingleton ? "" : "/" + RemoteId(rng));
    }
    in.step.request.method = Pick(rng, std::vector<std::string>{"GET", "POST", "DELETE"});
    in.step.request.path = "/" + RemoteId(rng);
  }
  static const std::vector<int> kStatuses = {200, 200, 200, 201, 204, 400, 401, 403, 404,
                                             409, 422, 429, 500, 502, 503, 0,   999};
  in.response.status = Pick(rng, kStatuses);
  in.response.headers.emplace_back("Content-Type", "application/json");
  if (Chance(rng, 20)) {
    in.response.headers.emplace_back(
        "Retry-After",
        Pick(rng, std::vector<std::string>{"5", "0", "-1", "abc", "99999999999999"}));
  }
  in.response.body = Body(rng);
  *what = std::to_string(in.response.status) + " answer to " +
          std::string(plugin_sdk::codec_internal::StepKindName(in.step.kind)) + " of " +
          in.step.target;
  return in;
}

}  // namespace trunkline::plugin_check
