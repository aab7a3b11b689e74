// One API request being answered: what api.cc, api_trunks.cc and api_ops.cc share.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api.h"

namespace trunkline::trunkd {

struct Api::Call {
  http::Request request;
  http::Respond respond;
  std::vector<std::string> path;             // decoded segments after the leading '/'
  std::map<std::string, std::string> query;  // decoded; the last of a repeated name
  Caller caller;
  std::string route;  // "GET /v1/trunks/{id}": for metrics and logs, never an id
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  Metrics* metrics = nullptr;
  Log* log = nullptr;
  std::atomic<bool> answered{false};

  // Sends `response` (once), counting and logging it.
  void Answer(http::Response response);
  void Json(int status, const boost::json::value& body);
  void Fail(const Status& status);
  // 400: the request itself is malformed: `field` names the parameter, header or body field.
  void BadRequest(const std::string& field, const std::string& rule);
  // The query parameter `name`, if given.
  const std::string* Param(const std::string& name) const;
  // ?name=N as a count from `min` to `max`, `fallback` when absent; nullopt after answering
  // 400.
  std::optional<uint64_t> Count(const std::string& name, uint64_t fallback, uint64_t min,
                                uint64_t max);
  std::optional<std::string> Header(std::string_view name) const;
  // The body as a JSON object; nullopt after answering 400.
  std::optional<boost::json::object> Body();
  // False after answering 400 naming the first member of `body` not in `allowed` (a typo,
  // say "field" for "fields", must not pass for an empty change).
  bool OnlyMembers(const boost::json::object& body,
                   std::initializer_list<std::string_view> allowed);
  double Seconds() const;
};

}  // namespace trunkline::trunkd
