// Provider accounts: for each (provider, alias) a trunk may name in its `account`, the API
// base URL, the provider's account id used in request paths, the Authorization header value
// the sync worker adds to each request (plugins never see it), and the client-side limits.
// Accounts come from an accounts file (JSON, described in core/sync/README.md, example in
// core/sync/accounts.example.json) and, for the alias `default` of each provider, from the
// environment (TWILIO_*, PLIVO_*, TELNYX_*); a file entry named `default` replaces that
// provider's environment default. An accounts file never holds a secret: it names the
// environment variable or the file each secret is read from.
//
// Loading checks the whole file (shape, fields, URLs, limits) at once. Secrets are read when
// an alias is first resolved, so a secret missing for one account stops only the trunks of
// that account.
//
// Secrets are held in `Secret`, whose text only Reveal() gives; no message, ToString() or
// operator<< of this library writes one. LoadedSecrets() lists every secret read so far, so
// that callers and tests can check outputs for leaks.
//
// Thread-safety: Accounts is safe for concurrent use. Secret, AccountLimits and
// ResolvedAccount are values. Ownership: an Accounts keeps a copy of its Environment; whatever
// that function refers to must outlive the Accounts.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trunkline/base/status.h"

namespace trunkline::sync {

enum class Provider { kTwilio, kPlivo, kTelnyx };

// "twilio", "plivo", "telnyx": the names trunks and accounts files use.
std::string_view ProviderName(Provider provider);
// nullopt for a name that is none of the three.
std::optional<Provider> ProviderFromName(std::string_view name);

// Client-side limits of one provider account, so that the worker does not provoke 429s.
struct AccountLimits {
  double requests_per_second = 0;  // token bucket rate; 0: no rate limit
  uint32_t burst = 1;              // token bucket size
  uint32_t max_concurrency = 0;    // requests in flight; 0: no cap

  friend bool operator==(const AccountLimits&, const AccountLimits&) = default;
};

// Twilio {0, 1, 8}: Twilio limits concurrent requests, not their rate. Plivo {50, 50, 0}:
// Plivo allows 300 requests per 5 s, and a bucket of 50 refilled at 50/s never sends more than
// 300 in any 5 s. Telnyx {10, 10, 8}: Telnyx publishes no figure; a cautious guess.
AccountLimits DefaultLimits(Provider provider);
// https://trunking.twilio.com, https://api.plivo.com, https://api.telnyx.com.
std::string_view DefaultBaseUrl(Provider provider);

// A secret text (a token, an Authorization header value). Only Reveal() gives the text;
// operator<< writes "<secret>".
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string text) : text_(std::move(text)) {}

  // The secret itself. Call it only where the secret is used (a header being sent).
  const std::string& Reveal() const { return text_; }
  bool empty() const { return text_.empty(); }

  friend bool operator==(const Secret&, const Secret&) = default;

 private:
  std::string text_;
};

// Writes "<secret>" (or "<empty secret>"), never the text: gtest and logs may print one.
std::ostream& operator<<(std::ostream& out, const Secret& secret);

// Looks up an environment variable: its value, or nullopt when it is not set.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
// The process environment (getenv).
Environment ProcessEnvironment();
// A fixed set of variables, for tests and for callers that gather them themselves.
Environment MapEnvironment(std::map<std::string, std::string> variables);

// What the sync worker needs to send one account's requests.
struct ResolvedAccount {
  Provider provider = Provider::kTwilio;
  std::string alias;
  std::string base_url;    // scheme, host, optional port and path; no trailing '/'
  std::string account_id;  // Twilio account SID, Plivo auth id; empty for Telnyx
  Secret authorization;    // the whole Authorization value: "Basic <base64>" or "Bearer <key>"
  AccountLimits limits;
  // Where the credentials came from, without a secret: "environment TWILIO_ACCOUNT_SID,
  // TWILIO_AUTH_TOKEN" or "accounts file /etc/trunkline/accounts.json".
  std::string source;

  // One line for logs and `trunkctl`, without a secret:
  // "twilio/default: https://trunking.twilio.com account AC… auth Basic (environment …)
  // limits 0 rps, burst 1, 8 in flight".
  std::string ToString() const;
};

class Accounts {
 public:
  // Only the alias `default` of each provider, from `environment`.
  static std::unique_ptr<Accounts> FromEnvironment(Environment environment);

  // Reads the accounts file at `path`; `environment` serves the `default` aliases the file
  // does not name and the secrets the file names by variable.
  // kInvalidArgument: the file is missing, unreadable or not JSON, or a field breaks a rule;
  // the message names the file and the field's JSON path with the rule
  // ("accounts file a.json: accounts.twilio.eu-prod.base_url: must use https ...").
  static Result<std::unique_ptr<Accounts>> Load(const std::string& path, Environment environment);

  // As Load, from JSON text. `path` names it in messages; a relative secret file path is
  // taken relative to the directory of `path`.
  static Result<std::unique_ptr<Accounts>> Parse(std::string_view json, const std::string& path,
                                                 Environment environment);

  ~Accounts();
  Accounts(const Accounts&) = delete;
  Accounts& operator=(const Accounts&) = delete;

  // The account a trunk of `provider` with account `alias` is synced with. Its secrets are
  // read on the first success and kept: a changed secret takes a new Accounts.
  // Errors, each message starting "account <alias> of <provider>: ", naming variables and
  // files but never a secret (the worker parks the trunk with it):
  //   kNotFound: an unknown provider or alias; the message lists the known aliases.
  //   kFailedPrecondition: a secret is not set or empty, its file is missing, unreadable, not
  //     a regular file or accessible by group or others.
  //   kInvalidArgument: an environment value breaks a rule (TWILIO_BASE_URL not https, an
  //     account id with a character a URL path cannot hold, a secret with a control
  //     character).
  Result<ResolvedAccount> Resolve(std::string_view provider, std::string_view alias) const;

  // The aliases a trunk of `provider` may name, sorted; always holds "default".
  std::vector<std::string> Aliases(Provider provider) const;

  // Every secret read so far, and every credential derived from one (the base64 of Basic
  // credentials, whole Authorization values), without duplicates: a text that contains none
  // of them holds no secret this Accounts gave out.
  std::vector<Secret> LoadedSecrets() const;

 private:
  struct Impl;
  explicit Accounts(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trunkline::sync
