// Emulator: the Twilio, Plivo and Telnyx emulators served over HTTP, each on its own port,
// behind one fault injector, with an admin API under the reserved prefix /__emulator/ on
// every port:
//
//   GET  /__emulator/faults     {"faults": "<spec>"}            the faults in force
//   POST /__emulator/faults     body: a fault spec (faults.h)    replaces them (400 if bad)
//   GET  /__emulator/requests   {"requests": [{provider, method, target, headers, body,
//                               status, fault}], "dropped", "bytes", "limit_bytes"}: the
//                               request log (request_log.h), oldest first
//   GET  /__emulator/state      {"twilio", "plivo", "telnyx"}    every resource
//   POST /__emulator/reset      forgets every resource and the request log, and starts the
//                               fault sequence again from the seed
//   POST /__emulator/plivo-quirks   body: on|off                 Plivo's live quirks
//   POST /__emulator/telnyx-quirks  body: on|off                 Telnyx's live quirks
//
// Admin requests need no credentials, never meet faults and are not logged. Secrets stay out
// of the log: the values of secret names (secrets.h) in headers, query strings and bodies
// are masked before they are stored.
//
// Thread-safety: safe for concurrent use; requests are served on the emulator's threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "faults.h"
#include "plivo_api.h"
#include "request_log.h"
#include "telnyx_api.h"
#include "trunkline/base/status.h"
#include "twilio_api.h"

namespace trunkline::emulator {

struct EmulatorOptions {
  std::string bind = "127.0.0.1";
  uint16_t twilio_port = 0;  // 0: any free port
  uint16_t plivo_port = 0;
  uint16_t telnyx_port = 0;
  uint64_t seed = 1;  // for SIDs, ids and faults
  FaultSpec faults;
  TwilioOptions twilio;  // seed is overridden by `seed`
  PlivoOptions plivo;    // likewise
  TelnyxOptions telnyx;  // likewise; without accounts, every Telnyx request gets 401
  int threads = 2;       // per port
  // The request log's bound: past it, the oldest entries are dropped (and counted).
  size_t request_log_bytes = 16 * 1024 * 1024;
};

class Emulator {
 public:
  // kUnavailable when a port cannot be bound; kInvalidArgument when request_log_bytes is 0.
  static Result<std::unique_ptr<Emulator>> Start(EmulatorOptions options);
  ~Emulator();

  uint16_t twilio_port() const;
  uint16_t plivo_port() const;
  uint16_t telnyx_port() const;
  // Stops the three servers (open connections are closed). Idempotent.
  void Stop();

 private:
  struct Impl;
  explicit Emulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trunkline::emulator
