// A running emulator and a client for it, for the emulator tests (real HTTP on 127.0.0.1).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>
#include <string>

#include "basic_auth.h"
#include "emulator.h"
#include "trunkline/http/http.h"

namespace trunkline::emulator::testing {

inline constexpr char kAccount[] = "AC00000000000000000000000000000001";
inline constexpr char kToken[] = "token-one";
inline constexpr char kOtherAccount[] = "AC00000000000000000000000000000002";
inline constexpr char kOtherToken[] = "token-two";
inline constexpr char kApiKey[] = "SK00000000000000000000000000000001";
inline constexpr char kApiSecret[] = "key-secret";
inline constexpr char kPlivoAuthId[] = "MAEMULATOR0000000001";
inline constexpr char kPlivoToken[] = "plivo-token";

inline EmulatorOptions TestOptions(FaultSpec faults = {}, uint64_t seed = 1) {
  EmulatorOptions o;
  o.seed = seed;
  o.faults = faults;
  o.twilio.accounts = {{kAccount, kToken}, {kOtherAccount, kOtherToken}};
  o.twilio.api_keys = {{kApiKey, kApiSecret, kAccount}};
  o.plivo.accounts = {{kPlivoAuthId, kPlivoToken}};
  return o;
}

struct Answer {
  int status = 0;
  boost::json::value body;  // null when empty or not JSON
  std::vector<http::Header> headers;
};

// Sends one request; fails the test (and returns status 0) when no answer comes.
inline Answer Send(http::Client& client, const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& auth = Basic(kAccount, kToken),
                   const std::string& content_type = "application/x-www-form-urlencoded") {
  http::Request request{method, target, {}, body};
  if (!auth.empty()) request.headers.push_back({"Authorization", auth});
  if (!body.empty()) request.headers.push_back({"Content-Type", content_type});
  Result<http::Response> response = client.Send(request);
  Answer out;
  if (!response.ok()) {
    ADD_FAILURE() << method << " " << target << ": " << response.status();
    return out;
  }
  out.status = response->status;
  out.headers = response->headers;
  boost::json::error_code ec;
  if (!response->body.empty()) out.body = boost::json::parse(response->body, ec);
  if (ec) out.body = nullptr;
  return out;
}

// The target part of an absolute URL the emulator handed out ("http://h:p/v1/..." ->
// "/v1/...").
inline std::string TargetOf(const std::string& url) {
  const size_t scheme = url.find("://");
  return url.substr(url.find('/', scheme == std::string::npos ? 0 : scheme + 3));
}

}  // namespace trunkline::emulator::testing
