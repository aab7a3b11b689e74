// Provider accounts (see include/trunkline/sync/accounts.h).
//
// The accounts file (grammar; core/sync/README.md says the same for users):
//
//   file     = { "accounts": { provider: { alias: entry, ... }, ... } }
//   provider = "twilio" | "plivo" | "telnyx"
//   alias    = 1 to 64 of [A-Za-z0-9._-]
//   entry    = twilio: { "account_sid": id, ("auth_token": secret
//                        | "api_key_sid": id, "api_key_secret": secret), common }
//              plivo:  { "auth_id": id, "auth_token": secret, common }
//              telnyx: { "api_key": secret, common }
//   common   = "base_url"?: url, "limits"?: { "requests_per_second"?: number >= 0,
//                                             "burst"?: 1..1000000,
//                                             "max_concurrency"?: 0..10000 }
//   secret   = { "env": NAME } | { "file": PATH }   (first line; relative to the file's dir)
//   id       = 1 to 128 of [A-Za-z0-9_-]; Twilio: account_sid "AC...", api_key_sid "SK..."
//
// Unknown keys are refused, so that a typo never silently falls back to a default. Loading
// checks all of it; secrets are read by Resolve and kept with the resolved account.
#include "trunkline/sync/accounts.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <sstream>
#include <system_error>
#include <utility>

#include "trunkline/base/base64.h"
#include "trunkline/base/secret_file.h"
#include "trunkline/base/suggest.h"

namespace trunkline::sync {
namespace {

namespace json = boost::json;

constexpr Provider kProviders[] = {Provider::kTwilio, Provider::kPlivo, Provider::kTelnyx};
constexpr std::string_view kProviderList = "twilio, plivo, telnyx";
constexpr std::size_t kMaxAccountsFile = 16 << 20;
constexpr std::size_t kMaxSecretFile = 64 << 10;

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string ErrnoText(int error) { return std::generic_category().message(error); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAliasChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}
bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}
bool IsValidAlias(std::string_view alias) {
  return !alias.empty() && alias.size() <= 64 &&
         std::all_of(alias.begin(), alias.end(), IsAliasChar);
}
bool IsValidId(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), IsIdChar);
}
bool IsValidEnvName(std::string_view name) {
  if (name.empty() || IsDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}
bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsLoopbackHost(std::string_view host) {
  const std::string h = Lower(host);
  if (h == "localhost" || h == "[::1]") return true;
  // 127.0.0.0/8 written as four decimal numbers.
  int parts = 0;
  std::size_t at = 0;
  std::string first;
  while (at <= h.size()) {
    const std::size_t dot = std::min(h.find('.', at), h.size());
    const std::string part = h.substr(at, dot - at);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), IsDigit) ||
        std::stoi(part) > 255) {
      return false;
    }
    if (parts++ == 0) first = part;
    at = dot + 1;
  }
  return parts == 4 && first == "127";
}

// The base URL with any trailing '/' removed, or the rule it breaks.
Result<std::string> NormalizeBaseUrl(std::string_view url) {
  const std::string lower = Lower(url.substr(0, 8));
  const bool https = lower.starts_with("https://");
  if (!https && !lower.starts_with("http://")) {
    return InvalidArgumentError("must be an http:// or https:// URL");
  }
  if (HasControl(url) || url.find(' ') != std::string_view::npos) {
    return InvalidArgumentError("must not hold spaces or control characters");
  }
  const std::string_view rest = url.substr(https ? 8 : 7);
  const std::size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgumentError(
        "must not hold user info (user:password@); credentials belong "
        "in the account's secret fields");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgumentError("must not hold a query or fragment");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError("must name a host");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return InvalidArgumentError("must name a host");
      port = authority.substr(close + 2);
    }
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") return InvalidArgumentError("must name a host");
  if (authority.size() != host.size()) {
    const bool digits =
        !port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), IsDigit);
    if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      return InvalidArgumentError("must have a port from 1 to 65535");
    }
  }
  if (!https && !IsLoopbackHost(host)) {
    return InvalidArgumentError(
        "must use https unless its host is loopback (localhost, 127.0.0.0/8, [::1])");
  }
  std::string out(url);
  while (out.ends_with('/')) out.pop_back();
  return out;
}

// Where a secret is read from: an environment variable or a file.
struct SecretSource {
  std::string field;  // "auth_token" in an accounts file; empty for the environment defaults
  std::string env;    // the variable's name, or
  std::string file;   // the file's path

  // "TWILIO_AUTH_TOKEN", "auth_token: environment variable X", "auth_token: file /p".
  std::string Describe() const {
    if (field.empty()) return env.empty() ? "file " + file : env;
    return field + (env.empty() ? ": file " + file : ": environment variable " + env);
  }
  // "TWILIO_AUTH_TOKEN", "auth_token from file /p": for ResolvedAccount::source.
  std::string Origin() const {
    if (field.empty()) return env;
    return field + (env.empty() ? " from file " + file : " from environment variable " + env);
  }
};

// One account before its secret is read.
struct AccountSpec {
  std::string base_url;
  std::string account_id;
  std::string username;  // Basic auth user; empty: Bearer
  SecretSource secret;   // Basic password or Bearer key
  AccountLimits limits;
  std::string source;  // "accounts file X" or "environment A, B"
};

// The secret's text; errors name the source, never a value.
Result<std::string> ReadSecret(const SecretSource& source, const Environment& env) {
  std::string text;
  if (!source.env.empty()) {
    std::optional<std::string> value = env ? env(source.env) : std::nullopt;
    if (!value) return FailedPreconditionError(source.Describe() + " is not set");
    text = std::move(*value);
  } else {
    Result<std::string> read = ReadSecretFile(source.file, kMaxSecretFile);
    if (!read.ok()) return read.status().WithContext(source.Describe());
    text = std::move(*read);
  }
  if (text.empty()) return FailedPreconditionError(source.Describe() + " is empty");
  if (HasControl(text)) {
    return InvalidArgumentError(source.Describe() + " holds a control character");
  }
  return text;
}

// ---- The accounts file ----

class FileParser {
 public:
  explicit FileParser(std::string path) : path_(std::move(path)) {}

  // `at` is a JSON path ("accounts.twilio.eu-prod.base_url"); empty for the whole document.
  Status Error(const std::string& at, std::string_view rule) const {
    return InvalidArgumentError("accounts file " + path_ + ": " +
                                (at.empty() ? "the document" : at) + ": " + std::string(rule));
  }

  // The parsed document, or the file, line and column of the first syntax error.
  Result<json::value> ParseJson(std::string_view text) const {
    json::stream_parser parser;
    json::error_code ec;
    std::size_t consumed = parser.write(text.data(), text.size(), ec);
    if (!ec) parser.finish(ec);
    if (ec) {
      consumed = std::min(consumed, text.size());
      const std::string_view before = text.substr(0, consumed);
      const std::size_t line = 1 + std::count(before.begin(), before.end(), '\n');
      const std::size_t line_start = before.rfind('\n');
      const std::size_t column =
          1 + consumed - (line_start == std::string_view::npos ? 0 : line_start + 1);
      return InvalidArgumentError("accounts file " + path_ + ": line " + std::to_string(line) +
                                  ", column " + std::to_string(column) +
                                  ": not valid JSON: " + ec.message());
    }
    return parser.release();
  }

  Status OnlyKeys(const json::object& object, const std::string& at,
                  const std::vector<std::string>& allowed) const {
    for (const auto& [key, value] : object) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string rule = "unknown field";
      if (std::optional<std::string> near = Suggest(key, allowed)) {
        rule += " (did you mean " + *near + "?)";
      }
      const std::string field = (at.empty() ? "" : at + ".") + std::string(key);
      return Error(field, rule + "; expected one of " + Join(allowed));
    }
    return OkStatus();
  }

  Result<std::string> Id(const json::object& object, const std::string& at, const char* key,
                         std::string_view prefix) const {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return Error(at + "." + key, "is required");
    const json::string* text = value->if_string();
    if (text == nullptr || !IsValidId(*text)) {
      return Error(at + "." + key, "must be a string of 1 to 128 letters, digits, '-' or '_'");
    }
    if (!text->starts_with(prefix)) {
      return Error(at + "." + key, "must start with " + std::string(prefix));
    }
    return std::string(*text);
  }

  Result<SecretSource> SecretField(const json::object& object, const std::string& at,
                                   const char* key) const {
    const std::string where = at + "." + key;
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return Error(where, "is required");
    const json::object* source = value->if_object();
    constexpr std::string_view kShape =
        "must be {\"env\": NAME} or {\"file\": PATH}: an accounts file names where a secret is "
        "read from and never holds one";
    if (source == nullptr || source->size() != 1) return Error(where, kShape);
    TRUNKLINE_RETURN_IF_ERROR(OnlyKeys(*source, where, {"env", "file"}));
    SecretSource out{key, "", ""};
    if (const json::value* env = source->if_contains("env")) {
      if (!env->is_string() || !IsValidEnvName(env->get_string())) {
        return Error(where + ".env", "must be a variable name (letters, digits, '_')");
      }
      out.env = std::string(env->get_string());
      return out;
    }
    const json::value& file = source->at("file");
    if (!file.is_string() || file.get_string().empty() || HasControl(file.get_string())) {
      return Error(where + ".file", "must be a path");
    }
    std::filesystem::path resolved(std::string(file.get_string()));
    if (resolved.is_relative()) resolved = std::filesystem::path(path_).parent_path() / resolved;
    out.file = resolved.lexically_normal().string();
    return out;
  }

  Result<std::string> BaseUrl(const json::object& object, const std::string& at,
                              Provider provider) const {
    const json::value* value = object.if_contains("base_url");
    if (value == nullptr) return std::string(DefaultBaseUrl(provider));
    if (!value->is_string()) return Error(at + ".base_url", "must be an http:// or https:// URL");
    Result<std::string> url = NormalizeBaseUrl(value->get_string());
    if (!url.ok()) return Error(at + ".base_url", url.status().message());
    return url;
  }

  // An integer in [min, max]; a fraction, a string or anything out of range is refused.
  Result<uint32_t> Count(const json::value& value, const std::string& at, uint32_t min,
                         uint32_t max) const {
    if (!value.is_int64() || value.get_int64() < min || value.get_int64() > max) {
      return Error(at,
                   "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return static_cast<uint32_t>(value.get_int64());
  }

  Result<AccountLimits> Limits(const json::object& object, const std::string& at,
                               Provider provider) const {
    AccountLimits limits = DefaultLimits(provider);
    const json::value* value = object.if_contains("limits");
    if (value == nullptr) return limits;
    const std::string where = at + ".limits";
    if (!value->is_object()) return Error(where, "must be an object");
    const json::object& o = value->get_object();
    TRUNKLINE_RETURN_IF_ERROR(
        OnlyKeys(o, where, {"requests_per_second", "burst", "max_concurrency"}));
    if (const json::value* rate = o.if_contains("requests_per_second")) {
      const double r = rate->is_number() ? rate->to_number<double>() : -1;
      if (!std::isfinite(r) || r < 0 || r > 1e6) {
        return Error(where + ".requests_per_second",
                     "must be a number from 0 (no rate limit) to 1000000");
      }
      limits.requests_per_second = r;
    }
    if (const json::value* burst = o.if_contains("burst")) {
      TRUNKLINE_ASSIGN_OR_RETURN(limits.burst, Count(*burst, where + ".burst", 1, 1'000'000));
    }
    if (const json::value* cap = o.if_contains("max_concurrency")) {
      TRUNKLINE_ASSIGN_OR_RETURN(limits.max_concurrency,
                                 Count(*cap, where + ".max_concurrency", 0, 10'000));
    }
    return limits;
  }

  Result<AccountSpec> Entry(Provider provider, const json::object& o, const std::string& at) const {
    AccountSpec spec;
    spec.source = "accounts file " + path_;
    TRUNKLINE_ASSIGN_OR_RETURN(spec.base_url, BaseUrl(o, at, provider));
    TRUNKLINE_ASSIGN_OR_RETURN(spec.limits, Limits(o, at, provider));
    switch (provider) {
      case Provider::kTwilio:
        return Twilio(o, at, std::move(spec));
      case Provider::kPlivo: {
        TRUNKLINE_RETURN_IF_ERROR(OnlyKeys(o, at, {"auth_id", "auth_token", "base_url", "limits"}));
        TRUNKLINE_ASSIGN_OR_RETURN(spec.account_id, Id(o, at, "auth_id", ""));
        spec.username = spec.account_id;
        TRUNKLINE_ASSIGN_OR_RETURN(spec.secret, SecretField(o, at, "auth_token"));
        return spec;
      }
      case Provider::kTelnyx: {
        TRUNKLINE_RETURN_IF_ERROR(OnlyKeys(o, at, {"api_key", "base_url", "limits"}));
        TRUNKLINE_ASSIGN_OR_RETURN(spec.secret, SecretField(o, at, "api_key"));
        return spec;
      }
    }
    return InternalError("unknown provider");
  }

  Result<AccountSpec> Twilio(const json::object& o, const std::string& at, AccountSpec spec) const {
    TRUNKLINE_RETURN_IF_ERROR(OnlyKeys(
        o, at,
        {"account_sid", "auth_token", "api_key_sid", "api_key_secret", "base_url", "limits"}));
    TRUNKLINE_ASSIGN_OR_RETURN(spec.account_id, Id(o, at, "account_sid", "AC"));
    const bool token = o.contains("auth_token");
    const bool key = o.contains("api_key_sid") || o.contains("api_key_secret");
    if (token && key) {
      return Error(at, "takes auth_token, or api_key_sid with api_key_secret, not both");
    }
    if (!key) {
      if (!token)
        return Error(at + ".auth_token", "is required (or api_key_sid and api_key_secret)");
      spec.username = spec.account_id;
      TRUNKLINE_ASSIGN_OR_RETURN(spec.secret, SecretField(o, at, "auth_token"));
      return spec;
    }
    TRUNKLINE_ASSIGN_OR_RETURN(spec.username, Id(o, at, "api_key_sid", "SK"));
    TRUNKLINE_ASSIGN_OR_RETURN(spec.secret, SecretField(o, at, "api_key_secret"));
    return spec;
  }

  using Entries = std::map<std::pair<Provider, std::string>, AccountSpec>;

  Result<Entries> Document(const json::value& root) const {
    if (!root.is_object()) return Error("", "must be an object with \"accounts\"");
    TRUNKLINE_RETURN_IF_ERROR(OnlyKeys(root.get_object(), "", {"accounts"}));
    const json::value* accounts = root.get_object().if_contains("accounts");
    if (accounts == nullptr) return Error("accounts", "is required");
    if (!accounts->is_object()) return Error("accounts", "must be an object of providers");
    Entries entries;
    for (const auto& [name, aliases] : accounts->get_object()) {
      const std::string at = "accounts." + std::string(name);
      const std::optional<Provider> provider = ProviderFromName(name);
      if (!provider) {
        std::string rule = "must be one of " + std::string(kProviderList);
        if (auto near = Suggest(name, {"twilio", "plivo", "telnyx"})) {
          rule += " (did you mean " + *near + "?)";
        }
        return Error(at, rule);
      }
      if (!aliases.is_object()) return Error(at, "must be an object of aliases");
      for (const auto& [alias, entry] : aliases.get_object()) {
        const std::string where = at + "." + std::string(alias);
        if (!IsValidAlias(alias)) {
          return Error(where, "an alias must be 1 to 64 letters, digits, '.', '_' or '-'");
        }
        if (!entry.is_object()) return Error(where, "must be an object");
        TRUNKLINE_ASSIGN_OR_RETURN(AccountSpec spec, Entry(*provider, entry.get_object(), where));
        entries[{*provider, std::string(alias)}] = std::move(spec);
      }
    }
    return entries;
  }

 private:
  std::string path_;
};

Result<std::string> ReadAccountsFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  const auto fail = [&](const std::string& why) {
    return InvalidArgumentError("accounts file " + path + ": " + why);
  };
  if (fd < 0) return fail("cannot open: " + ErrnoText(errno));
  std::string text;
  struct stat st {};
  Status status;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    status = fail("is not a regular file");
  } else if (static_cast<std::size_t>(st.st_size) > kMaxAccountsFile) {
    status = fail("is larger than " + std::to_string(kMaxAccountsFile) + " bytes");
  } else {
    char buffer[8192];
    for (;;) {
      const ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) status = fail("cannot read: " + ErrnoText(errno));
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  if (!status.ok()) return status;
  return text;
}

// ---- The environment defaults ----

struct EnvReader {
  const Environment& env;
  std::vector<std::string> used;  // the variables read, for ResolvedAccount::source

  std::optional<std::string> Optional(const std::string& name) {
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (value && value->empty()) value.reset();
    if (value) used.push_back(name);
    return value;
  }
  Result<std::string> Required(const std::string& name) {
    std::optional<std::string> value = env ? env(name) : std::nullopt;
    if (!value) return FailedPreconditionError(name + " is not set");
    if (value->empty()) return FailedPreconditionError(name + " is empty");
    used.push_back(name);
    return std::move(*value);
  }
  Result<std::string> Id(const std::string& name) {
    TRUNKLINE_ASSIGN_OR_RETURN(std::string id, Required(name));
    if (!IsValidId(id)) {
      return InvalidArgumentError(name + ": must be 1 to 128 letters, digits, '-' or '_'");
    }
    return id;
  }
  Result<std::string> BaseUrl(const std::string& name, Provider provider) {
    std::optional<std::string> value = Optional(name);
    if (!value) return std::string(DefaultBaseUrl(provider));
    Result<std::string> url = NormalizeBaseUrl(*value);
    if (!url.ok()) return url.status().WithContext(name);
    return url;
  }
  bool Has(const std::string& name) const {
    const std::optional<std::string> value = env ? env(name) : std::nullopt;
    return value && !value->empty();
  }
  SecretSource SecretVariable(const std::string& name) {
    used.push_back(name);
    return SecretSource{"", name, ""};
  }
};

Result<AccountSpec> SpecFromEnvironment(Provider provider, const Environment& env) {
  EnvReader read{env, {}};
  AccountSpec spec;
  spec.limits = DefaultLimits(provider);
  switch (provider) {
    case Provider::kTwilio: {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.base_url, read.BaseUrl("TWILIO_BASE_URL", provider));
      TRUNKLINE_ASSIGN_OR_RETURN(spec.account_id, read.Id("TWILIO_ACCOUNT_SID"));
      if (read.Has("TWILIO_API_KEY")) {
        TRUNKLINE_ASSIGN_OR_RETURN(spec.username, read.Id("TWILIO_API_KEY"));
        spec.secret = read.SecretVariable("TWILIO_API_SECRET");
      } else {
        spec.username = spec.account_id;
        spec.secret = read.SecretVariable("TWILIO_AUTH_TOKEN");
      }
      break;
    }
    case Provider::kPlivo: {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.base_url, read.BaseUrl("PLIVO_BASE_URL", provider));
      TRUNKLINE_ASSIGN_OR_RETURN(spec.account_id, read.Id("PLIVO_AUTH_ID"));
      spec.username = spec.account_id;
      spec.secret = read.SecretVariable("PLIVO_AUTH_TOKEN");
      break;
    }
    case Provider::kTelnyx: {
      TRUNKLINE_ASSIGN_OR_RETURN(spec.base_url, read.BaseUrl("TELNYX_BASE_URL", provider));
      spec.secret = read.SecretVariable("TELNYX_API_KEY");
      break;
    }
  }
  std::vector<std::string> used = read.used;
  std::sort(used.begin(), used.end());
  spec.source = "environment " + Join(used);
  return spec;
}

std::string FormatRate(double rate) {
  std::ostringstream out;
  out << rate;
  return out.str();
}

}  // namespace

std::string_view ProviderName(Provider provider) {
  switch (provider) {
    case Provider::kTwilio:
      return "twilio";
    case Provider::kPlivo:
      return "plivo";
    case Provider::kTelnyx:
      return "telnyx";
  }
  return "unknown";
}

std::optional<Provider> ProviderFromName(std::string_view name) {
  for (Provider p : kProviders) {
    if (ProviderName(p) == name) return p;
  }
  return std::nullopt;
}

AccountLimits DefaultLimits(Provider provider) {
  switch (provider) {
    case Provider::kTwilio:
      return {0, 1, 8};
    case Provider::kPlivo:
      return {50, 50, 0};
    case Provider::kTelnyx:
      return {10, 10, 8};
  }
  return {};
}

std::string_view DefaultBaseUrl(Provider provider) {
  switch (provider) {
    case Provider::kTwilio:
      return "https://trunking.twilio.com";
    case Provider::kPlivo:
      return "https://api.plivo.com";
    case Provider::kTelnyx:
      return "https://api.telnyx.com";
  }
  return "";
}

std::ostream& operator<<(std::ostream& out, const Secret& secret) {
  return out << (secret.empty() ? "<empty secret>" : "<secret>");
}

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Environment MapEnvironment(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

std::string ResolvedAccount::ToString() const {
  std::string out = std::string(ProviderName(provider)) + "/" + alias + ": " + base_url;
  if (!account_id.empty()) out += ", account " + account_id;
  out += provider == Provider::kTelnyx ? ", Bearer auth" : ", Basic auth";
  out += " (" + source + "); limits: ";
  out += limits.requests_per_second > 0 ? FormatRate(limits.requests_per_second) + " rps, burst " +
                                              std::to_string(limits.burst)
                                        : std::string("no rate limit");
  out += limits.max_concurrency > 0
             ? ", at most " + std::to_string(limits.max_concurrency) + " in flight"
             : ", no cap in flight";
  return out;
}

struct Accounts::Impl {
  Environment env;
  std::map<std::pair<Provider, std::string>, AccountSpec> entries;  // from the file

  std::mutex mu;
  std::map<std::pair<Provider, std::string>, ResolvedAccount> resolved;  // guarded by mu
  std::vector<Secret> secrets;                                           // guarded by mu

  // The account of `spec` with its secret read. REQUIRES: mu held.
  Result<ResolvedAccount> Build(Provider provider, const std::string& alias,
                                const AccountSpec& spec) {
    TRUNKLINE_ASSIGN_OR_RETURN(std::string secret, ReadSecret(spec.secret, env));
    ResolvedAccount account{provider, alias,       spec.base_url, spec.account_id,
                            Secret(), spec.limits, spec.source};
    if (!spec.secret.field.empty()) account.source += ", " + spec.secret.Origin();
    std::vector<std::string> loaded = {secret};
    if (spec.username.empty()) {
      account.authorization = sync::Secret("Bearer " + secret);
    } else {
      const std::string credentials = Base64(spec.username + ":" + secret);
      account.authorization = sync::Secret("Basic " + credentials);
      loaded.push_back(credentials);
    }
    loaded.push_back(account.authorization.Reveal());
    for (std::string& text : loaded) {
      sync::Secret s(std::move(text));
      if (std::find(secrets.begin(), secrets.end(), s) == secrets.end()) secrets.push_back(s);
    }
    return account;
  }
};

Accounts::Accounts(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Accounts::~Accounts() = default;

std::unique_ptr<Accounts> Accounts::FromEnvironment(Environment environment) {
  auto impl = std::make_unique<Impl>();
  impl->env = std::move(environment);
  return std::unique_ptr<Accounts>(new Accounts(std::move(impl)));
}

Result<std::unique_ptr<Accounts>> Accounts::Load(const std::string& path, Environment environment) {
  TRUNKLINE_ASSIGN_OR_RETURN(std::string text, ReadAccountsFile(path));
  return Parse(text, path, std::move(environment));
}

Result<std::unique_ptr<Accounts>> Accounts::Parse(std::string_view json, const std::string& path,
                                                  Environment environment) {
  const FileParser parser(path);
  TRUNKLINE_ASSIGN_OR_RETURN(const boost::json::value root, parser.ParseJson(json));
  auto impl = std::make_unique<Impl>();
  TRUNKLINE_ASSIGN_OR_RETURN(impl->entries, parser.Document(root));
  impl->env = std::move(environment);
  return std::unique_ptr<Accounts>(new Accounts(std::move(impl)));
}

Result<ResolvedAccount> Accounts::Resolve(std::string_view provider_name,
                                          std::string_view alias_view) const {
  const std::string alias(alias_view);
  const std::string context = "account " + alias + " of " + std::string(provider_name);
  const std::optional<Provider> provider = ProviderFromName(provider_name);
  if (!provider) {
    return NotFoundError(context +
                         ": unknown provider; known providers: " + std::string(kProviderList));
  }
  const std::pair<Provider, std::string> key{*provider, alias};
  std::lock_guard lock(impl_->mu);
  if (const auto it = impl_->resolved.find(key); it != impl_->resolved.end()) return it->second;
  AccountSpec from_env;
  const AccountSpec* spec = nullptr;
  if (const auto it = impl_->entries.find(key); it != impl_->entries.end()) {
    spec = &it->second;
  } else if (alias == "default") {
    Result<AccountSpec> env_spec = SpecFromEnvironment(*provider, impl_->env);
    if (!env_spec.ok()) return env_spec.status().WithContext(context);
    from_env = std::move(*env_spec);
    spec = &from_env;
  } else {
    const std::vector<std::string> known = Aliases(*provider);
    std::string message = context + ": unknown alias";
    if (std::optional<std::string> near = Suggest(alias, known)) {
      message += " (did you mean " + *near + "?)";
    }
    return NotFoundError(message + "; known aliases of " + std::string(provider_name) + ": " +
                         Join(known));
  }
  Result<ResolvedAccount> account = impl_->Build(*provider, alias, *spec);
  if (!account.ok()) return account.status().WithContext(context);
  impl_->resolved.emplace(key, *account);
  return account;
}

std::vector<std::string> Accounts::Aliases(Provider provider) const {
  std::vector<std::string> out = {"default"};
  for (const auto& [key, spec] : impl_->entries) {
    if (key.first == provider && key.second != "default") out.push_back(key.second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<Secret> Accounts::LoadedSecrets() const {
  std::lock_guard lock(impl_->mu);
  return impl_->secrets;
}

}  // namespace trunkline::sync
