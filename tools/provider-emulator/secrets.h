// Secrets in what the emulators record: the one list of names whose values are secret, and
// masking of every shape a request carries them in (headers, query strings, form bodies,
// JSON bodies at any depth, and text that only looks like JSON). The request log
// (request_log.h) stores nothing that has not been through these functions.
//
// A name is secret when, lower-cased and with '_', '-', '.' and spaces removed, it contains
// one of kSecretNameParts and is not one of kNotSecretNames: "AuthToken", "auth_token",
// "PASSWORD", "x-api-key", "Authorization", "sip_password" are all secret.
//
// Thread-safety: constants and free functions, safe for concurrent use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "trunkline/http/http.h"

namespace trunkline::emulator {

inline constexpr std::string_view kSecretNameParts[] = {
    "password", "passwd", "secret", "token", "apikey", "authorization", "cookie", "privatekey",
};
// Names that contain a part above but hold nothing secret: Twilio's paging cursor.
inline constexpr std::string_view kNotSecretNames[] = {"pagetoken"};

// What a masked value becomes.
inline constexpr std::string_view kMasked = "***";

bool IsSecretName(std::string_view name);

// `body` with the values of secret names masked. A body that starts with '{' or '[' is read
// as JSON (masked at any depth; when it does not parse, "name": value and name=value pairs
// are found in the text); anything else is read as a form (a pair without '=' that contains
// a secret name is masked whole).
std::string MaskBody(std::string_view body);

// A request target with the values of secret query parameters masked.
std::string MaskTarget(std::string_view target);

// Headers with secret values masked; Authorization keeps its scheme ("Basic ***").
std::vector<http::Header> MaskHeaders(const std::vector<http::Header>& headers);

}  // namespace trunkline::emulator
