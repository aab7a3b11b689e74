#include "testutil/openapi.h"

#include <boost/url/parse.hpp>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace trunkline::testing {
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

// "application/json; charset=utf-8" -> "application/json".
std::string MediaType(const std::string& content_type) {
  std::string t = Lower(content_type.substr(0, content_type.find(';')));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(0, 1);
  return t;
}

const std::string* FindHeader(const OpenApi::Headers& headers, const std::string& name) {
  for (const auto& [k, v] : headers) {
    if (Lower(k) == Lower(name)) return &v;
  }
  return nullptr;
}

std::string Joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

OpenApi::OpenApi(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  doc_ = json::parse(text.str());
}

OpenApi OpenApi::FromJson(json::value document) {
  OpenApi api;
  api.doc_ = std::move(document);
  return api;
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

const json::object* OpenApi::Operation(const std::string& method,
                                       const std::string& path_template) const {
  const json::value* item = doc_.at("paths").as_object().if_contains(path_template);
  if (item == nullptr) return nullptr;
  const json::value* operation = item->as_object().if_contains(Lower(method));
  return operation == nullptr ? nullptr : &operation->as_object();
}

std::set<int> OpenApi::Statuses(const std::string& method, const std::string& path_template) const {
  std::set<int> out;
  const json::object* operation = Operation(method, path_template);
  if (operation == nullptr) return out;
  for (const auto& [status, response] : operation->at("responses").as_object()) {
    if (status != "default") out.insert(std::stoi(std::string(status)));
  }
  return out;
}

std::string OpenApi::TemplateOf(const std::string& path) const {
  const std::vector<std::string> concrete = Segments(path);
  std::string best;
  int best_literals = -1;
  for (const auto& [tmpl, item] : doc_.at("paths").as_object()) {
    const std::vector<std::string> pattern = Segments(std::string(tmpl));
    if (pattern.size() != concrete.size()) continue;
    bool match = true;
    int literals = 0;
    for (size_t i = 0; i < pattern.size() && match; ++i) {
      const bool variable = pattern[i].starts_with("{");
      literals += variable ? 0 : 1;
      match = pattern[i] == concrete[i] || (variable && !concrete[i].empty());
    }
    if (match && literals > best_literals) {
      best = std::string(tmpl);
      best_literals = literals;
    }
  }
  return best;
}

// Follows "$ref": "#/a/b/c" (JSON pointers into this document) until a node without one.
const json::value& OpenApi::Resolve(const json::value& node) const {
  const json::value* s = &node;
  for (int hops = 0; s->is_object() && s->as_object().contains("$ref"); ++hops) {
    const std::string ref(s->at("$ref").as_string());
    if (!ref.starts_with("#/") || hops > 32) throw std::runtime_error("unsupported $ref " + ref);
    boost::system::error_code ec;
    s = doc_.find_pointer(ref.substr(1), ec);
    if (s == nullptr) throw std::runtime_error("$ref to nothing: " + ref);
  }
  return *s;
}

std::vector<std::string> OpenApi::Check(const std::string& method, const std::string& path_template,
                                        int status, const json::value* body) const {
  std::vector<std::string> problems;
  const json::object* operation = Operation(method, path_template);
  if (operation == nullptr) return {method + " " + path_template + " is not in the document"};
  const json::object& responses = operation->at("responses").as_object();
  const json::value* response = responses.if_contains(std::to_string(status));
  if (response == nullptr && status >= 500) response = responses.if_contains("default");
  if (response == nullptr) {
    return {"status " + std::to_string(status) + " is not documented for " + method + " " +
            path_template};
  }
  const json::value* content = Resolve(*response).as_object().if_contains("content");
  if (content == nullptr) {
    if (body != nullptr) problems.push_back("the document says no body, one came");
    return problems;
  }
  if (body == nullptr) return {"the document describes a body, none came"};
  const json::value* media = content->as_object().if_contains("application/json");
  if (media == nullptr) return {"the document describes no JSON body for this status"};
  Validate(media->at("schema"), *body, "$", problems);
  return problems;
}

std::vector<std::string> OpenApi::CheckAnswer(const std::string& method,
                                              const std::string& path_template, int status,
                                              const Headers& headers,
                                              const std::string& body) const {
  const std::string name = method + " " + path_template + " " + std::to_string(status);
  const json::object* operation = Operation(method, path_template);
  if (operation == nullptr) return {method + " " + path_template + " is not in the document"};
  const json::object& responses = operation->at("responses").as_object();
  const json::value* found = responses.if_contains(std::to_string(status));
  if (found == nullptr && status >= 500) found = responses.if_contains("default");
  if (found == nullptr)
    return {"status " + std::to_string(status) + " is not documented for " + method + " " +
            path_template};
  const json::object& response = Resolve(*found).as_object();
  std::vector<std::string> problems;
  if (const json::value* declared = response.if_contains("headers")) {
    for (const auto& [header, spec_ref] : declared->as_object()) {
      const json::object& spec = Resolve(spec_ref).as_object();
      const std::string* value = FindHeader(headers, std::string(header));
      const json::value* required = spec.if_contains("required");
      if (value == nullptr) {
        if (required != nullptr && required->as_bool()) {
          problems.push_back(name + ": header " + std::string(header) + " is missing");
        }
        continue;
      }
      if (const json::value* schema = spec.if_contains("schema")) {
        ValidateText(*schema, *value, name + " header " + std::string(header), problems);
      }
    }
  }
  const json::value* content = response.if_contains("content");
  if (content == nullptr) {
    if (!body.empty()) problems.push_back(name + ": the document says no body, one came");
    return problems;
  }
  const std::string* content_type = FindHeader(headers, "Content-Type");
  if (content_type == nullptr) {
    problems.push_back(name + ": no Content-Type");
    return problems;
  }
  const std::string media = MediaType(*content_type);
  const json::value* media_spec = content->as_object().if_contains(media);
  if (media_spec == nullptr) {
    problems.push_back(name + ": Content-Type " + *content_type + " is not one the document lists");
    return problems;
  }
  const json::value* schema = media_spec->as_object().if_contains("schema");
  if (schema == nullptr) return problems;
  if (media == "application/json") {
    boost::system::error_code ec;
    json::value parsed = json::parse(body, ec);
    if (ec) {
      problems.push_back(name + ": the body is not JSON: " + body.substr(0, 200));
      return problems;
    }
    Validate(*schema, parsed, "$", problems);
  } else if (media == "application/x-ndjson") {
    if (!body.empty() && body.back() != '\n')
      problems.push_back(name + ": the last line has no \\n");
    std::stringstream lines(body);
    std::string line;
    for (size_t n = 1; std::getline(lines, line); ++n) {
      boost::system::error_code ec;
      json::value parsed = json::parse(line, ec);
      if (ec) {
        problems.push_back(name + ": line " + std::to_string(n) + " is not JSON");
        continue;
      }
      Validate(*schema, parsed, "line " + std::to_string(n), problems);
    }
  }
  return problems;
}

std::vector<std::string> OpenApi::CheckRequest(const std::string& method,
                                               const std::string& path_template,
                                               const std::map<std::string, std::string>& query,
                                               const Headers& headers,
                                               const std::string& body) const {
  const std::string name = method + " " + path_template;
  const json::object* operation = Operation(method, path_template);
  if (operation == nullptr) return {name + " is not in the document"};
  // Parameters of the path item, then of the operation (which win by name and place).
  std::map<std::pair<std::string, std::string>, const json::object*> params;
  for (const json::value* list :
       {doc_.at("paths").at(path_template).as_object().if_contains("parameters"),
        operation->if_contains("parameters")}) {
    if (list == nullptr) continue;
    for (const json::value& p : list->as_array()) {
      const json::object& param = Resolve(p).as_object();
      std::string in(param.at("in").as_string());
      std::string pname(param.at("name").as_string());
      if (in == "header") pname = Lower(pname);
      params[{in, pname}] = &param;
    }
  }
  std::vector<std::string> problems;
  for (const auto& [q, value] : query) {
    auto it = params.find({"query", q});
    if (it == params.end()) {
      problems.push_back(name + ": query parameter " + q + " is not declared");
      continue;
    }
    ValidateText(it->second->at("schema"), value, name + " query " + q, problems);
  }
  for (const auto& [h, value] : headers) {
    auto it = params.find({"header", Lower(h)});
    if (it == params.end()) {
      problems.push_back(name + ": header " + h + " is not declared");
      continue;
    }
    ValidateText(it->second->at("schema"), value, name + " header " + h, problems);
  }
  for (const auto& [key, param] : params) {
    const json::value* required = param->if_contains("required");
    if (key.first == "path" || required == nullptr || !required->as_bool()) continue;
    const bool given = key.first == "query" ? query.contains(key.second)
                                            : FindHeader(headers, key.second) != nullptr;
    if (!given) problems.push_back(name + ": " + key.first + " " + key.second + " is required");
  }
  const json::value* request_body = operation->if_contains("requestBody");
  if (request_body == nullptr) {
    if (!body.empty()) problems.push_back(name + ": a body the operation does not take");
    return problems;
  }
  const json::object& spec = Resolve(*request_body).as_object();
  if (body.empty()) {
    const json::value* required = spec.if_contains("required");
    if (required != nullptr && required->as_bool()) {
      problems.push_back(name + ": the body is required");
    }
    return problems;
  }
  const json::value* media = spec.at("content").as_object().if_contains("application/json");
  if (media == nullptr) return {name + ": no JSON body declared"};
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) {
    problems.push_back(name + ": the body is not JSON");
    return problems;
  }
  Validate(media->at("schema"), parsed, "body", problems);
  return problems;
}

std::vector<std::string> OpenApi::CheckSchema(const std::string& name,
                                              const json::value& value) const {
  const json::value* schema = doc_.at("components").at("schemas").as_object().if_contains(name);
  if (schema == nullptr) return {"no schema " + name};
  std::vector<std::string> problems;
  Validate(*schema, value, name, problems);
  return problems;
}

// A parameter or header value, given as text, as its schema's type reads it.
void OpenApi::ValidateText(const json::value& raw_schema, const std::string& text,
                           const std::string& where, std::vector<std::string>& problems) const {
  const json::value& schema = Resolve(raw_schema);
  const json::value* type = schema.is_object() ? schema.as_object().if_contains("type") : nullptr;
  const std::string t = type ? std::string(type->as_string()) : "string";
  if (t == "integer") {
    static const std::regex kInteger("-?[0-9]+");
    if (!std::regex_match(text, kInteger)) {
      problems.push_back(where + ": not an integer: " + text);
      return;
    }
    json::value number = json::parse(text);
    return Validate(schema, number, where, problems);
  }
  if (t == "boolean") {
    if (text != "true" && text != "false") problems.push_back(where + ": not a boolean: " + text);
    return;
  }
  Validate(schema, json::value(text), where, problems);
}

void OpenApi::Validate(const json::value& raw_schema, const json::value& value,
                       const std::string& where, std::vector<std::string>& problems) const {
  const json::value& schema_value = Resolve(raw_schema);
  if (!schema_value.is_object()) return;
  const json::object& schema = schema_value.as_object();
  auto problem = [&](const std::string& what) { problems.push_back(where + ": " + what); };
  // oneOf: exactly one alternative conforms; anyOf: at least one. Each alternative says for
  // itself whether it takes null.
  for (const char* keyword : {"oneOf", "anyOf"}) {
    const json::value* alternatives = schema.if_contains(keyword);
    if (alternatives == nullptr) continue;
    size_t conforming = 0;
    std::vector<std::string> closest;
    for (const json::value& alternative : alternatives->as_array()) {
      std::vector<std::string> own;
      Validate(alternative, value, where, own);
      if (own.empty()) {
        ++conforming;
      } else if (closest.empty() || own.size() < closest.size()) {
        closest = std::move(own);
      }
    }
    if (conforming == 0) {
      problem(std::string("matches none of ") + keyword + " (closest: " + Joined(closest) + ")");
    } else if (conforming > 1 && std::string(keyword) == "oneOf") {
      problem("matches " + std::to_string(conforming) +
              " alternatives of oneOf: " + json::serialize(value));
    }
    return;
  }
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
    if (f == "date-time" &&
        !std::regex_match(s, Compiled(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z)"))) {
      problem("not an ISO 8601 UTC date-time: " + s);
    }
    if (f == "uri" && !boost::urls::parse_uri(s)) problem("not a URI: " + s);
  } else if (t == "integer") {
    if (!value.is_int64() && !value.is_uint64()) {
      return problem("not an integer: " + json::serialize(value));
    }
    if (const json::value* min = schema.if_contains("minimum");
        min && value.is_int64() && value.as_int64() < min->to_number<int64_t>()) {
      problem("below the minimum " + json::serialize(*min) + ": " + json::serialize(value));
    }
    if (const json::value* max = schema.if_contains("maximum")) {
      const bool over = value.is_uint64() ? value.as_uint64() > max->to_number<uint64_t>()
                                          : value.as_int64() > max->to_number<int64_t>();
      if (over) {
        problem("above the maximum " + json::serialize(*max) + ": " + json::serialize(value));
      }
    }
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
    const json::object& object = value.as_object();
    const json::value* properties = schema.if_contains("properties");
    const json::value* additional = schema.if_contains("additionalProperties");
    if (properties == nullptr && additional == nullptr) return;  // a map of anything (links)
    static const json::object kNone;
    const json::object& props = properties ? properties->as_object() : kNone;
    for (const auto& [key, member] : object) {
      if (props.contains(key)) continue;
      const std::string at = where + "." + std::string(key);
      if (additional == nullptr || (additional->is_bool() && !additional->as_bool())) {
        problem("field " + std::string(key) + " is not in the schema");
      } else if (additional->is_object()) {
        Validate(*additional, member, at, problems);
      }
    }
    std::set<std::string> required;
    if (const json::value* listed = schema.if_contains("required")) {
      for (const json::value& r : listed->as_array()) required.emplace(r.as_string());
    } else {
      for (const auto& [key, sub] : props) required.emplace(key);
    }
    for (const std::string& key : required) {
      if (!object.contains(key)) problem("field " + key + " is missing");
    }
    for (const auto& [key, sub] : props) {
      if (const json::value* field = object.if_contains(key)) {
        Validate(sub, *field, where + "." + std::string(key), problems);
      }
    }
  }
}

}  // namespace trunkline::testing
