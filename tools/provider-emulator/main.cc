// trunkline-emulator: local, stateful emulators of Twilio's Elastic SIP Trunking API and
// Plivo's Zentrunk API, with fault injection (README.md).
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "emulator.h"

namespace {

using trunkline::emulator::EmulatorOptions;

constexpr char kDefaultTwilioAccount[] = "AC00000000000000000000000000000001:emulator-token";
constexpr char kDefaultTwilioApiKey[] =
    "SK00000000000000000000000000000001:emulator-secret:AC00000000000000000000000000000001";
constexpr char kDefaultPlivoAccount[] = "MAEMULATOR0000000001:emulator-token";

// Splits "a:b[:c]" into exactly `parts` non-empty pieces.
std::vector<std::string> Pieces(const std::string& text, size_t parts, const std::string& flag) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i + 1 < parts; ++i) {
    const size_t colon = text.find(':', start);
    if (colon == std::string::npos) break;
    out.push_back(text.substr(start, colon - start));
    start = colon + 1;
  }
  out.push_back(text.substr(start));
  for (const std::string& p : out) {
    if (out.size() != parts || p.empty()) {
      throw CLI::ValidationError(flag, "expects " + std::to_string(parts) +
                                           " non-empty parts separated by ':', got \"" + text +
                                           "\"");
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Local emulators of the Twilio (Trunking v1) and Plivo (Zentrunk) APIs",
               "trunkline-emulator");
  EmulatorOptions options;
  std::string faults, plivo_quirks = "on";
  std::vector<std::string> twilio_accounts, twilio_keys, plivo_accounts;
  app.add_option("--twilio-port", options.twilio_port, "Twilio API port (0: any free port)")
      ->capture_default_str();
  app.add_option("--plivo-port", options.plivo_port, "Plivo API port (0: any free port)")
      ->capture_default_str();
  app.add_option("--bind", options.bind, "address to listen on")->capture_default_str();
  app.add_option("--seed", options.seed, "seed for ids and faults")->capture_default_str();
  app.add_option("--faults", faults, "fault spec, e.g. latency=20+10,rate=50,errors=0.05");
  app.add_option("--twilio-account", twilio_accounts,
                 std::string("SID:TOKEN, repeatable (default ") + kDefaultTwilioAccount + ")");
  app.add_option(
      "--twilio-api-key", twilio_keys,
      std::string("KEYSID:SECRET:ACCOUNTSID, repeatable (default ") + kDefaultTwilioApiKey + ")");
  app.add_option("--plivo-account", plivo_accounts,
                 std::string("AUTH_ID:TOKEN, repeatable (default ") + kDefaultPlivoAccount + ")");
  app.add_option("--plivo-quirks", plivo_quirks, "Plivo's live quirks")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "server threads per port")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
    if (twilio_accounts.empty() && twilio_keys.empty()) {
      twilio_accounts = {kDefaultTwilioAccount};
      twilio_keys = {kDefaultTwilioApiKey};
    }
    if (plivo_accounts.empty()) plivo_accounts = {kDefaultPlivoAccount};
    for (const std::string& a : twilio_accounts) {
      auto p = Pieces(a, 2, "--twilio-account");
      options.twilio.accounts.push_back({p[0], p[1]});
    }
    for (const std::string& k : twilio_keys) {
      auto p = Pieces(k, 3, "--twilio-api-key");
      options.twilio.api_keys.push_back({p[0], p[1], p[2]});
    }
    for (const std::string& a : plivo_accounts) {
      auto p = Pieces(a, 2, "--plivo-account");
      options.plivo.accounts.emplace_back(p[0], p[1]);
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is fine; anything else is a usage error
  }
  auto spec = trunkline::emulator::ParseFaults(faults);
  if (!spec.ok()) {
    std::cerr << "trunkline-emulator: --" << spec.status().message() << "\n";
    return 2;
  }
  options.faults = *spec;
  options.plivo.quirks = plivo_quirks == "on";

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
  std::printf("twilio http://%s:%u\nplivo http://%s:%u\nready\n", options.bind.c_str(),
              (*emulator)->twilio_port(), options.bind.c_str(), (*emulator)->plivo_port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  (*emulator)->Stop();
  std::fprintf(stderr, "trunkline-emulator: stopped on %s\n",
               signal == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}
