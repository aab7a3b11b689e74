// Plumbing both provider emulators share: parsing what a client sends (targets, form and
// JSON bodies, Basic credentials) and writing JSON answers. Nothing provider-specific.
//
// Thread-safety: free functions, safe for concurrent use.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/http/http.h"

namespace trunkline::emulator {

// A request target split into its decoded path and its query parameters (decoded, with `+`
// read as a space). Later duplicates of a parameter are kept after earlier ones.
struct Target {
  std::string path;
  std::vector<std::pair<std::string, std::string>> params;
};
// nullopt when the target is not a valid origin-form target.
std::optional<Target> ParseTarget(std::string_view target);

// An application/x-www-form-urlencoded body as parameters (`%20` and `+` are both a space).
// nullopt when it does not parse.
std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body);

// The user and password of an "Authorization: Basic ..." header; nullopt when there is none
// or it is malformed.
struct BasicCredentials {
  std::string user;
  std::string password;
};
std::optional<BasicCredentials> ParseBasicAuth(const std::vector<http::Header>& headers);

// A JSON answer (Content-Type: application/json).
http::Response JsonResponse(int status, const boost::json::value& body);

// The current time as ISO 8601 UTC with seconds ("2026-12-01T05:07:33Z").
std::string IsoNow();
// The current time as ISO 8601 UTC with milliseconds ("2026-12-01T05:07:33.521Z").
std::string IsoNowMillis();
// The current time as RFC 2822 ("Tue, 01 Dec 2026 05:07:33 +0000").
std::string Rfc2822Now();

}  // namespace trunkline::emulator
