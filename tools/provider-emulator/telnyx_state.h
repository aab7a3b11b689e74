// The inside of TelnyxApi (telnyx_api.h), shared by its two files: telnyx_api.cc
// (authentication, routing, paging, errors, FQDNs and phone numbers) and
// telnyx_connections.cc (FQDN connections: their fields, defaults and rules).
//
// Thread-safety: none; TelnyxApi's mutex guards every State.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "telnyx_api.h"

namespace trunkline::emulator::telnyx {

using Params = std::vector<std::pair<std::string, std::string>>;

// A refusal in Telnyx's error envelope: exactly one of `pointer` (a JSON pointer into the
// body) and `parameter` (a query parameter) is set, except for errors about no field.
struct Failure {
  int status = 422;
  std::string code = "10015";
  std::string title = "Bad Request";
  std::string detail;
  std::optional<std::string> pointer, parameter;
};
using Check = std::optional<Failure>;

// 422, code 10015, naming the field by its JSON pointer ("/outbound/tech_prefix").
Failure Invalid(std::string pointer, std::string detail);
// 400, code 10015, naming the query parameter.
Failure BadParameter(std::string parameter, std::string detail);
// 404, code 10005.
Failure NotFound(std::string detail);

http::Response ErrorResponse(const Failure& failure);
// {"data": object} with the status.
http::Response DataResponse(int status, boost::json::value data);

struct Connection {
  uint64_t seq = 0;  // creation order, the tie-break of every sort
  // As answered, but with the outbound auth method under its spec name
  // (ip_authentication_method), null until a client sets it.
  boost::json::object fields;
};

struct Fqdn {
  uint64_t seq = 0;
  std::string id, connection_id, fqdn, dns_record_type;
  std::optional<int64_t> port = 5060;
  std::string created_at, updated_at;
};

struct Number {
  std::string id, phone_number;
  std::string connection_id;     // "" when not routed to a connection
  boost::json::object settable;  // tags, customer_reference, ... as last written
  std::string created_at, updated_at;
};

struct Account {
  std::string name;  // "account-1", ...
  std::string api_key;
  std::vector<Connection> connections;  // creation order
  std::vector<Fqdn> fqdns;              // creation order
  std::vector<Number> numbers;          // provisioning order
};

// page[number] and page[size], read and checked.
struct Page {
  int64_t number = 1;
  int64_t size = 250;
};

}  // namespace trunkline::emulator::telnyx

namespace trunkline::emulator {

struct TelnyxApi::State {
  bool quirks = true;
  uint64_t seed = 1;
  std::mt19937_64 id_rng;
  uint64_t next_seq = 0;
  std::set<std::string> ids;  // every id handed out, so none is handed out twice
  std::vector<telnyx::Account> accounts;

  void Reseed() { id_rng.seed(seed); }
  // A fresh 19-digit decimal id that fits in int64 (docs/telnyx.md §8).
  std::string NewId();

  telnyx::Account* AccountByKey(std::string_view api_key);
  http::Response Handle(const http::Request& request);

  // /v2/fqdn_connections[/{id}] (telnyx_connections.cc).
  http::Response Connections(telnyx::Account& account, const std::string* id,
                             const std::string& method, const telnyx::Params& params,
                             const boost::json::object& body);
  // A connection as answered (the auth method's key as the mode has it).
  boost::json::object ConnectionJson(const telnyx::Connection& c) const;
  telnyx::Connection* FindConnection(telnyx::Account& account, std::string_view id);

  // /v2/fqdns[/{id}] and /v2/phone_numbers[/{id}] (telnyx_api.cc).
  http::Response Fqdns(telnyx::Account& account, const std::string* id, const std::string& method,
                       const telnyx::Params& params, const boost::json::object& body);
  http::Response Numbers(telnyx::Account& account, const std::string* id, const std::string& method,
                         const telnyx::Params& params, const boost::json::object& body);
  http::Response ListFqdns(telnyx::Account& account, const telnyx::Params& params);
  telnyx::Check ApplyFqdn(telnyx::Account& account, const boost::json::object& body, bool creating,
                          telnyx::Fqdn* next);
  boost::json::object FqdnJson(const telnyx::Fqdn& f) const;
  boost::json::object NumberJson(const telnyx::Account& account, const telnyx::Number& n) const;
};

namespace telnyx {

// Reads page[number] (>= 1, default 1) and page[size] (1-250, default `default_size`).
Check ReadPage(const Params& params, int64_t default_size, Page* page);
// Refuses a query parameter that is neither in `known` nor a page[...] parameter.
Check CheckParams(const Params& params, std::initializer_list<std::string_view> known);
const std::string* FindParam(const Params& params, std::string_view name);
// One page of `items` as {"data": [...], "meta": {page_number, page_size, total_pages,
// total_results}}.
http::Response ListResponse(const Page& page, std::vector<boost::json::object> items);
bool IsId(std::string_view s);  // 1 to 19 decimal digits
std::string Lower(std::string s);

}  // namespace telnyx
}  // namespace trunkline::emulator
