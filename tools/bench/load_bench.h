// The load client: trunkd's HTTP API driven by many keep-alive connections at once, each
// sending one command at a time (Boost.Beast, asynchronous, on one or two io threads).
//
// It creates the trunks first, each connection its own share (so no two connections ever
// touch the same trunk and no command meets a version conflict), then for a set time keeps
// every connection busy with commands on its own trunks: field updates, and origination URLs
// added and removed. Every command carries an Idempotency-Key and changes something, so each
// acknowledged command is one journal record.
//
// Thread-safety: RunLoadBench runs one load at a time in the calling thread and its own io
// threads; nothing is shared with the caller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "figures.h"
#include "trunkline/base/status.h"

namespace trunkline::bench {

struct LoadBenchOptions {
  std::string url;         // http://HOST:PORT of a running trunkd
  std::string token_file;  // its first line is a write token
  uint32_t connections = 64;
  double seconds = 60;  // of commands, after the trunks are made
  uint64_t trunks = 2000;
  // When set, one line per acknowledged command, "<idempotency key> <trunk id> <position>",
  // is appended to this file (O_APPEND, one write per line) as soon as its answer arrives,
  // the trunk creates included: a SIGKILL of the server leaves the exact list of what it
  // acknowledged.
  std::string acks_file;
  // The UUID of an IP access control list of the Plivo account trunkd syncs to. When set,
  // one trunk in `plivo_every` is a Plivo outbound trunk that references it (Plivo refuses
  // outbound trunks without one, and a reference to an ACL it does not hold); when empty,
  // every trunk is a Twilio trunk.
  std::string plivo_ipacl;
  uint32_t plivo_every = 8;
  int threads = 1;     // io threads, 1 or 2 (the connections are split between them)
  std::string prefix;  // trunk ids and idempotency keys begin with it; empty: a random one
};

struct LoadBenchResult {
  // load_commands_per_s, load_p50_ms, load_p99_ms, load_errors, load_conflicts,
  // load_commands, load_trunks, load_create_s: what was measured, also after a failure.
  std::vector<Figure> figures;
  // kUnavailable when a connection broke or timed out (the server gone): the run ended
  // there. kInvalidArgument for a bad option, the URL or the token file.
  Status status;
};

LoadBenchResult RunLoadBench(const LoadBenchOptions& options);

}  // namespace trunkline::bench
