#include "openapi.h"

#include <boost/url/parse.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace trunkline::emulator::testing {
namespace json = boost::json;
namespace {

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path);
  std::string segment;
  while (std::getline(in, segment, '/')) out.push_back(segment);
  return out;
}

// Compiling a std::regex costs far more than matching it: each pattern is compiled once.
const std::regex& Compiled(const std::string& pattern) {
  static std::map<std::string, std::regex> cache;
  auto it = cache.find(pattern);
  if (it == cache.end()) it = cache.emplace(pattern, std::regex(pattern)).first;
  return it->second;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

OpenApi::OpenApi(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  doc_ = json::parse(text.str());
}

std::set<std::pair<std::string, std::string>> OpenApi::Operations() const {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& [path, item] : doc_.at("paths").as_object()) {
    for (const char* method : {"get", "post", "put", "patch", "delete"}) {
      if (item.as_object().contains(method)) {
        std::string upper = method;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        out.emplace(upper, std::string(path));
      }
    }
  }
  return out;
}

std::string OpenApi::TemplateOf(const std::string& path) const {
  const std::vector<std::string> concrete = Segments(path);
  for (const auto& [tmpl, item] : doc_.at("paths").as_object()) {
    const std::vector<std::string> pattern = Segments(std::string(tmpl));
    if (pattern.size() != concrete.size()) continue;
    bool match = true;
    for (size_t i = 0; i < pattern.size() && match; ++i) {
      match = pattern[i] == concrete[i] || (pattern[i].starts_with("{") && !concrete[i].empty());
    }
    if (match) return std::string(tmpl);
  }
  return "";
}

const json::value& OpenApi::Resolve(const json::value& schema) const {
  const json::value* s = &schema;
  while (s->is_object() && s->as_object().contains("$ref")) {
    const std::string ref(s->at("$ref").as_string());
    const std::string prefix = "#/components/schemas/";
    if (!ref.starts_with(prefix)) throw std::runtime_error("unsupported $ref " + ref);
    s = &doc_.at("components").at("schemas").at(ref.substr(prefix.size()));
  }
  return *s;
}

std::vector<std::string> OpenApi::Check(const std::string& method, const std::string& path_template,
                                        int status, const json::value* body) const {
  std::vector<std::string> problems;
  const json::object& item = doc_.at("paths").at(path_template).as_object();
  const json::value* operation = item.if_contains(Lower(method));
  if (operation == nullptr) return {method + " " + path_template + " is not in the document"};
  const json::value* response =
      operation->at("responses").as_object().if_contains(std::to_string(status));
  if (response == nullptr) {
    return {"status " + std::to_string(status) + " is not documented for " + method + " " +
            path_template};
  }
  const json::value* content = response->as_object().if_contains("content");
  if (content == nullptr) {
    if (body != nullptr) problems.push_back("the document says no body, one came");
    return problems;
  }
  if (body == nullptr) return {"the document describes a body, none came"};
  Validate(content->at("application/json").at("schema"), *body, "$", problems);
  return problems;
}

void OpenApi::Validate(const json::value& raw_schema, const json::value& value,
                       const std::string& where, std::vector<std::string>& problems) const {
  const json::value& schema_value = Resolve(raw_schema);
  if (!schema_value.is_object()) return;
  const json::object& schema = schema_value.as_object();
  auto problem = [&](const std::string& what) { problems.push_back(where + ": " + what); };
  if (value.is_null()) {
    const json::value* nullable = schema.if_contains("nullable");
    if (nullable == nullptr || !nullable->as_bool()) problem("null, but not nullable");
    return;
  }
  if (const json::value* values = schema.if_contains("enum")) {
    bool found = false;
    for (const json::value& v : values->as_array()) found = found || v == value;
    if (!found) problem("not one of the enum: " + json::serialize(value));
  }
  const json::value* type = schema.if_contains("type");
  if (type == nullptr) return;  // e.g. Trunk.recording: anything goes
  const std::string t(type->as_string());
  if (t == "string") {
    if (!value.is_string()) return problem("not a string: " + json::serialize(value));
    const std::string s(value.as_string());
    if (const json::value* n = schema.if_contains("minLength");
        n && s.size() < n->to_number<size_t>()) {
      problem("shorter than minLength: " + s);
    }
    if (const json::value* n = schema.if_contains("maxLength");
        n && s.size() > n->to_number<size_t>()) {
      problem("longer than maxLength: " + s);
    }
    if (const json::value* p = schema.if_contains("pattern")) {
      if (!std::regex_search(s, Compiled(std::string(p->as_string())))) {
        problem("does not match " + std::string(p->as_string()) + ": " + s);
      }
    }
    const json::value* format = schema.if_contains("format");
    const std::string f = format ? std::string(format->as_string()) : "";
    if (f == "date-time" && !std::regex_match(s, Compiled(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) {
      problem("not an ISO 8601 UTC date-time: " + s);
    }
    if (f == "uri" && !boost::urls::parse_uri(s)) problem("not a URI: " + s);
  } else if (t == "integer") {
    if (!value.is_int64() && !value.is_uint64())
      problem("not an integer: " + json::serialize(value));
  } else if (t == "number") {
    if (!value.is_number()) problem("not a number: " + json::serialize(value));
  } else if (t == "boolean") {
    if (!value.is_bool()) problem("not a boolean: " + json::serialize(value));
  } else if (t == "array") {
    if (!value.is_array()) return problem("not an array");
    const json::value* items = schema.if_contains("items");
    size_t i = 0;
    for (const json::value& element : value.as_array()) {
      if (items) Validate(*items, element, where + "[" + std::to_string(i) + "]", problems);
      ++i;
    }
  } else if (t == "object") {
    if (!value.is_object()) return problem("not an object");
    const json::value* properties = schema.if_contains("properties");
    if (properties == nullptr) return;  // a map, e.g. links (uri-map)
    const json::object& props = properties->as_object();
    for (const auto& [key, sub] : value.as_object()) {
      if (!props.contains(key)) problem("field " + std::string(key) + " is not in the schema");
    }
    for (const auto& [key, sub] : props) {
      const json::value* field = value.as_object().if_contains(key);
      if (field == nullptr) {
        problem("field " + std::string(key) + " is missing");
      } else {
        Validate(sub, *field, where + "." + std::string(key), problems);
      }
    }
  }
}

}  // namespace trunkline::emulator::testing
