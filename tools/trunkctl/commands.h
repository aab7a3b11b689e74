// trunkctl's commands: each reads its Options, asks the backend (backend.h: the data dir, or
// trunkd with --server) and prints the answer on std::cout as a table or JSON (render.h).
// Option values were checked when parsed (core/api/parse.h); errors are returned, never
// thrown. Not thread-safe: one command per process.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "trunkline/base/status.h"
#include "trunkline/domain/trunk.h"
#include "trunkline/registry/registry.h"

namespace trunkline::trunkctl {

struct Options {
  std::string data_dir;
  std::string data_dir_source;  // how data_dir was chosen, for messages
  std::string plugin_dir;
  std::string output = "table";
  std::string wait_lock = "5";  // seconds (ParseSeconds)
  // trunkd's URL (--server or $TRUNKLINE_SERVER): every command goes through its API.
  std::string server;
  std::string token_file;  // the token's first line; else $TRUNKLINE_TOKEN
  // Mutating commands.
  std::string actor;
  std::string reason;
  std::string command_id;
  std::optional<std::string> expect_version;  // ParseCount
  std::vector<std::string> set;
  std::vector<std::string> unset;
  // Targets.
  std::string id;
  std::string provider;
  std::string account = "default";
  std::string sub_resource;
  std::string item_id;
  std::string ref;
  // Points in time.
  std::string as_of;                       // ParseTime
  std::optional<std::string> at;           // ParseCount
  std::string from;                        // ParsePoint
  std::string to;                          // ParsePoint
  std::optional<std::string> export_from;  // ParseCount
  std::optional<std::string> export_to;    // ParseCount
  // Sync.
  bool once = false;
  std::string concurrency;     // ParseCount
  std::string max_attempts;    // ParseCount
  std::string drift_interval;  // ParseSeconds
  std::string policy;          // correct | report
  std::string sync_states;     // ParseSyncStates; empty: every state
  std::string accounts_file;
  // PEM certificate authorities for provider APIs, or for trunkd with --server; empty: the
  // system's.
  std::string ca_file;
};

// The environment variable `name`, or `fallback` when it is unset or empty.
std::string EnvOr(const char* name, std::string fallback);

// The exit code for a command's status (README: 0 ok, 3 invalid input or rule broken,
// 4 not found, 5 version conflict, 6 data loss, 1 anything else).
int ExitCode(const Status& status);

class Backend;

// Where the commands' shared steps live: the backend, opening the registry, the mutating
// commands' meta.
class Cli {
 public:
  explicit Cli(Options& options);
  ~Cli();

  // Where commands read and change the registry. REQUIRES: set_backend was called.
  Backend& backend() const { return *backend_; }
  void set_backend(std::unique_ptr<Backend> backend);

  // Opens the registry in o_.data_dir. kUnavailable when another process holds it for
  // writing (after waiting --wait-lock), saying so and how to wait longer; kNotFound when a
  // read finds no journal, naming the data dir and how to choose another.
  Result<std::unique_ptr<registry::Registry>> Open(bool read_only) const;

  // Executes `command` on trunk `id` (through the backend) and prints the trunk after it.
  Status Execute(const std::string& id, const domain::Command& command) const;

  Result<domain::FieldChanges> Changes() const;
  bool json() const { return o_.output == "json"; }

  // Set once a command has journaled a change: what to tell when its output is then lost.
  const std::string& committed() const { return committed_; }

 private:
  Result<registry::CommandMeta> Meta() const;

  Options& o_;
  std::unique_ptr<Backend> backend_;
  mutable std::string committed_;
};

Status CreateCommand(const Cli& cli, const Options& o);
Status GetCommand(const Cli& cli, const Options& o);
Status ListCommand(const Cli& cli, const Options& o);
Status HistoryCommand(const Cli& cli, const Options& o);
Status DiffCommand(const Cli& cli, const Options& o);
Status VerifyCommand(const Cli& cli);
Status ExportCommand(const Cli& cli, const Options& o);
// Prints "rebuild: DONE/TOTAL events, RATE events/s, ETA S s" on stderr, a few times a second.
// Embedded only: it rewrites the data dir's projections.
Status RebuildCommand(const Cli& cli);
Status PluginsCommand(const Cli& cli, const Options& o, bool inspect);

}  // namespace trunkline::trunkctl
