// Reads an OpenAPI 3.0 document and checks JSON answers against its response schemas: the
// subset of JSON Schema the Twilio Trunking file uses ($ref, type, nullable, enum, pattern,
// minLength/maxLength, format date-time and uri, properties, items). Strict about fields:
// an object must have exactly the properties its schema lists.
#pragma once

#include <boost/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace trunkline::emulator::testing {

class OpenApi {
 public:
  explicit OpenApi(const std::string& path);  // throws when the file does not parse

  // Every (METHOD, path template) the document defines, e.g. ("GET", "/v1/Trunks/{Sid}").
  std::set<std::pair<std::string, std::string>> Operations() const;
  // The path template a concrete path matches ("/v1/Trunks/TK.." -> "/v1/Trunks/{Sid}"),
  // or "" when none does.
  std::string TemplateOf(const std::string& path) const;
  // The problems of `body` as the answer to METHOD template with `status`; empty when it
  // conforms. An undocumented status is a problem.
  std::vector<std::string> Check(const std::string& method, const std::string& path_template,
                                 int status, const boost::json::value* body) const;

 private:
  void Validate(const boost::json::value& schema, const boost::json::value& value,
                const std::string& where, std::vector<std::string>& problems) const;
  const boost::json::value& Resolve(const boost::json::value& schema) const;

  boost::json::value doc_;
};

}  // namespace trunkline::emulator::testing
