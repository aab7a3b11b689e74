// trunkline-emulator: local, stateful emulators of Twilio's Elastic SIP Trunking API,
// Plivo's Zentrunk API and Telnyx's FQDN connections, with fault injection (README.md).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "accounts.h"
#include "emulator.h"

namespace {

using trunkline::Result;
using trunkline::Status;
using trunkline::emulator::Accounts;
using trunkline::emulator::EmulatorOptions;

constexpr char kAccountsVariable[] = "TRUNKLINE_EMULATOR_ACCOUNTS";
constexpr char kDefaultTwilioAccount[] = "AC00000000000000000000000000000001:emulator-token";
constexpr char kDefaultTwilioApiKey[] =
    "SK00000000000000000000000000000001:emulator-secret:AC00000000000000000000000000000001";
constexpr char kDefaultPlivoAccount[] = "MAEMULATOR0000000001:emulator-token";
constexpr char kDefaultTelnyxKey[] = "KEYEMULATOR0000000001_emulator-key";

struct AccountFlags {
  std::vector<std::string> twilio_accounts, twilio_keys, plivo_accounts, telnyx_keys;
  std::string file;
};

// The accounts from the flags and --accounts-file; from the environment variable when
// neither gives any; then each provider left without an account gets its default one.
Result<Accounts> CollectAccounts(const AccountFlags& flags) {
  Accounts accounts;
  const std::pair<const char*, const std::vector<std::string>*> given[] = {
      {"twilio-account", &flags.twilio_accounts},
      {"twilio-api-key", &flags.twilio_keys},
      {"plivo-account", &flags.plivo_accounts},
      {"telnyx-api-key", &flags.telnyx_keys}};
  for (const auto& [kind, values] : given) {
    for (const std::string& value : *values) {
      if (Status added = accounts.Add(kind, value); !added.ok()) {
        return trunkline::InvalidArgumentError("--" + std::string(added.message()));
      }
    }
  }
  if (!flags.file.empty()) {
    TRUNKLINE_ASSIGN_OR_RETURN(accounts,
                               trunkline::emulator::ReadAccountsFile(flags.file, accounts));
  } else if (const char* text = std::getenv(kAccountsVariable);
             text != nullptr && accounts.twilio.empty() && accounts.twilio_api_keys.empty() &&
             accounts.plivo.empty() && accounts.telnyx.empty()) {
    TRUNKLINE_ASSIGN_OR_RETURN(accounts,
                               trunkline::emulator::ParseAccounts(text, kAccountsVariable));
  }
  if (accounts.twilio.empty() && accounts.twilio_api_keys.empty()) {
    TRUNKLINE_RETURN_IF_ERROR(accounts.Add("twilio-account", kDefaultTwilioAccount));
    TRUNKLINE_RETURN_IF_ERROR(accounts.Add("twilio-api-key", kDefaultTwilioApiKey));
  }
  if (accounts.plivo.empty()) {
    TRUNKLINE_RETURN_IF_ERROR(accounts.Add("plivo-account", kDefaultPlivoAccount));
  }
  if (accounts.telnyx.empty()) {
    TRUNKLINE_RETURN_IF_ERROR(accounts.Add("telnyx-api-key", kDefaultTelnyxKey));
  }
  return accounts;
}

struct ModeFlags {
  std::string faults;
  std::string plivo_quirks = "on";
  std::string telnyx_quirks = "on";
};

void AddFlags(CLI::App& app, EmulatorOptions& options, AccountFlags& accounts, ModeFlags& modes) {
  app.add_option("--twilio-port", options.twilio_port, "Twilio API port (0: any free port)")
      ->capture_default_str();
  app.add_option("--plivo-port", options.plivo_port, "Plivo API port (0: any free port)")
      ->capture_default_str();
  app.add_option("--telnyx-port", options.telnyx_port, "Telnyx API port (0: any free port)")
      ->capture_default_str();
  app.add_option("--bind", options.bind, "address to listen on")->capture_default_str();
  app.add_option("--seed", options.seed, "seed for ids and faults")->capture_default_str();
  app.add_option("--faults", modes.faults, "fault spec, e.g. latency=20+10,rate=50,errors=0.05");
  app.add_option("--twilio-account", accounts.twilio_accounts,
                 std::string("SID:TOKEN, repeatable (default ") + kDefaultTwilioAccount + ")");
  app.add_option(
      "--twilio-api-key", accounts.twilio_keys,
      std::string("KEYSID:SECRET:ACCOUNTSID, repeatable (default ") + kDefaultTwilioApiKey + ")");
  app.add_option("--plivo-account", accounts.plivo_accounts,
                 std::string("AUTH_ID:TOKEN, repeatable (default ") + kDefaultPlivoAccount + ")");
  app.add_option("--telnyx-api-key", accounts.telnyx_keys,
                 std::string("API key, repeatable (default ") + kDefaultTelnyxKey + ")");
  app.add_option("--accounts-file", accounts.file,
                 std::string("accounts, one per line (README.md); without it and without "
                             "account flags, they are read from $") +
                     kAccountsVariable + " when set");
  app.add_option("--plivo-quirks", modes.plivo_quirks, "Plivo's live quirks")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--telnyx-quirks", modes.telnyx_quirks, "Telnyx's live quirks")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--telnyx-numbers", options.telnyx.numbers_per_account,
                 "phone numbers provisioned for each Telnyx account")
      ->check(CLI::Range(0, 9999))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "server threads per port")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--request-log-bytes", options.request_log_bytes,
                 "bound of the request log; past it, the oldest entries are dropped")
      ->check(CLI::Range(size_t{1}, size_t{1} << 40))
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "Local emulators of the Twilio (Trunking v1), Plivo (Zentrunk) and Telnyx (FQDN "
      "connections) APIs",
      "trunkline-emulator");
  EmulatorOptions options;
  AccountFlags account_flags;
  ModeFlags modes;
  AddFlags(app, options, account_flags, modes);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is fine; anything else is a usage error
  }
  Result<Accounts> accounts = CollectAccounts(account_flags);
  if (!accounts.ok()) {
    std::cerr << "trunkline-emulator: " << accounts.status().message() << "\n";
    return 2;
  }
  options.twilio.accounts = accounts->twilio;
  options.twilio.api_keys = accounts->twilio_api_keys;
  options.plivo.accounts = accounts->plivo;
  options.telnyx.accounts = accounts->telnyx;
  auto spec = trunkline::emulator::ParseFaults(modes.faults);
  if (!spec.ok()) {
    std::cerr << "trunkline-emulator: --" << spec.status().message() << "\n";
    return 2;
  }
  options.faults = *spec;
  options.plivo.quirks = modes.plivo_quirks == "on";
  options.telnyx.quirks = modes.telnyx_quirks == "on";

  // Block the stop signals before any thread starts, so that only sigwait sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  auto emulator = trunkline::emulator::Emulator::Start(options);
  if (!emulator.ok()) {
    std::cerr << "trunkline-emulator: " << emulator.status().message() << "\n";
    return 1;
  }
  std::printf("twilio http://%s:%u\nplivo http://%s:%u\ntelnyx http://%s:%u\nready\n",
              options.bind.c_str(), (*emulator)->twilio_port(), options.bind.c_str(),
              (*emulator)->plivo_port(), options.bind.c_str(), (*emulator)->telnyx_port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  (*emulator)->Stop();
  std::fprintf(stderr, "trunkline-emulator: stopped on %s\n",
               signal == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}
