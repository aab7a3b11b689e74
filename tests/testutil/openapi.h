// Reads an OpenAPI 3.0 document and checks requests and answers against it, with the subset
// of JSON Schema the documents of these tests use: $ref (any "#/..." pointer), type (string,
// integer, number, boolean, array, object), nullable, enum, oneOf, anyOf, pattern,
// minLength/maxLength, minimum/maximum, format date-time (RFC 3339, UTC) and uri, properties,
// required, additionalProperties, items.
//
// Strict about fields: an object with `properties` may hold no other member unless
// `additionalProperties` says so (true, or a schema its other members must match), and must
// hold every property `required` lists, or, when it lists none (Twilio's file), every
// property. An object schema with no `properties` is a map: `additionalProperties` is the
// schema of its values (false: it must be empty). A status an operation does not list is a
// problem; its `default` answer is taken for 5xx statuses only.
//
// Thread-safety: not thread-safe: compiled patterns are cached in one map shared by every
// instance; check from one thread at a time.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace trunkline::testing {

class OpenApi {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  explicit OpenApi(const std::string& path);  // throws when the file does not parse
  static OpenApi FromJson(boost::json::value document);

  // Every (METHOD, path template) the document defines, e.g. ("GET", "/v1/Trunks/{Sid}").
  std::set<std::pair<std::string, std::string>> Operations() const;
  // The statuses the operation lists (not `default`); empty when it is not in the document.
  std::set<int> Statuses(const std::string& method, const std::string& path_template) const;
  // The path template a concrete path matches ("/v1/Trunks/TK.." -> "/v1/Trunks/{Sid}"),
  // the one with the most literal segments when several do, or "" when none does.
  std::string TemplateOf(const std::string& path) const;

  // The problems of `body` as the JSON answer to METHOD template with `status`; empty when it
  // conforms. An undocumented status is a problem.
  std::vector<std::string> Check(const std::string& method, const std::string& path_template,
                                 int status, const boost::json::value* body) const;
  // The problems of a whole answer: its status is documented; its Content-Type is one the
  // status lists (parameters aside), or it has no body when none is listed; the headers the
  // document marks required are present; the body conforms to the schema of its media type:
  // application/json as one value, application/x-ndjson line by line, others not read.
  std::vector<std::string> CheckAnswer(const std::string& method, const std::string& path_template,
                                       int status, const Headers& headers,
                                       const std::string& body) const;
  // The problems of a request: every query parameter is declared and its value conforms
  // (integers and booleans as text); required ones are present; every header in `headers` is
  // a declared header parameter and conforms (pass only the API's own headers, not
  // Authorization or Content-Type); a JSON body conforms to the requestBody's schema, and one
  // is present when required.
  std::vector<std::string> CheckRequest(const std::string& method, const std::string& path_template,
                                        const std::map<std::string, std::string>& query,
                                        const Headers& headers, const std::string& body) const;
  // The problems of `value` against the schema #/components/schemas/<name>.
  std::vector<std::string> CheckSchema(const std::string& name,
                                       const boost::json::value& value) const;

 private:
  OpenApi() = default;
  void Validate(const boost::json::value& schema, const boost::json::value& value,
                const std::string& where, std::vector<std::string>& problems) const;
  void ValidateText(const boost::json::value& schema, const std::string& text,
                    const std::string& where, std::vector<std::string>& problems) const;
  const boost::json::value& Resolve(const boost::json::value& node) const;
  const boost::json::object* Operation(const std::string& method,
                                       const std::string& path_template) const;

  boost::json::value doc_;
};

}  // namespace trunkline::testing
