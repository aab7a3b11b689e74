// Where trunkctl's commands read and change the registry: the data dir itself (embedded) or
// trunkd's HTTP API (--server). Both answer with the JSON shapes of core/api (json.h), which
// `-o json` prints as they are and the table printers (render.h) read, so that a command
// prints the same whichever way it went. Errors are the core's statuses: trunkd's
// {"error": {"code", "message"}} answers come back as the status they were made from.
//
// Not thread-safe: one command per process.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "trunkline/sync/sync_events.h"
#include "trunkline/sync/sync_ledger.h"

namespace trunkline::trunkctl {

class Backend {
 public:
  virtual ~Backend() = default;

  // Executes `command` on trunk `id`: the trunk after it (TrunkJson) with "changed",
  // "replayed" and "position". With --server the actor is the token's name.
  virtual Result<boost::json::object> Execute(const std::string& id, const domain::Command& command,
                                              const registry::CommandMeta& meta) = 0;
  // TrunkJson, with "sync" (SyncStatusJson) when `as_of` is now.
  virtual Result<boost::json::object> Get(const std::string& id, const registry::AsOf& as_of) = 0;
  // Every trunk not deleted at that point, by id; `provider` filters when not empty.
  virtual Result<boost::json::array> List(const std::string& provider,
                                          const registry::AsOf& as_of) = 0;
  // TrunkHistoryJson: changes and sync outcomes, by position.
  virtual Result<boost::json::array> History(const std::string& id) = 0;
  // ChangeJson for each changed path.
  virtual Result<boost::json::array> Diff(const std::string& id, const registry::AsOf& from,
                                          const registry::AsOf& to) = 0;
  // {"ok", "records", "last_position", "chain_head"}.
  virtual Result<boost::json::object> Verify() = 0;
  // Each record from position `first` to `last`, oldest first, as one line of JSON
  // (SerializeJson of RecordJson, no newline); stops early when `line` returns false.
  virtual Status Export(uint64_t first, uint64_t last,
                        const std::function<bool(const std::string& line)>& line) = 0;
  // [{"provider", "version", "abi", "path"?}]; the plugins refused, each why, in `refused`.
  virtual Result<boost::json::array> Plugins(std::vector<std::string>* refused) = 0;
  // SchemaJson of a provider's plugin; the plugins refused, each why, in `refused`.
  virtual Result<boost::json::object> Schema(const std::string& provider,
                                             std::vector<std::string>* refused) = 0;
  // SyncStatusJson of trunk `id`, or of every trunk when `id` is empty; `states` (a
  // ParseSyncStates list; empty: any) filters.
  virtual Result<boost::json::array> SyncStatus(const std::string& id,
                                                const std::string& states) = 0;
  // PlansJson for trunk `id`, or for every trunk that needs work when `id` is empty.
  virtual Result<boost::json::array> Plan(const std::string& id) = 0;
  virtual Status Retry(const std::string& id, const std::string& actor) = 0;
  virtual Status Policy(const std::string& id, sync::DriftPolicy policy,
                        const std::string& actor) = 0;
  // ImportJson.
  virtual Result<boost::json::object> Import(const std::string& provider,
                                             const std::string& account,
                                             const std::string& actor) = 0;
};

// The states of a --state list (already checked by ParseSyncStates; empty: none given).
std::vector<sync::SyncState> SyncStatesOf(const std::string& states);
// Whether a trunk in the state named `state` is wanted: `wanted` is empty or names it.
bool InSyncStates(std::string_view state, const std::vector<sync::SyncState>& wanted);

// The registry in o.data_dir, opened for each call (read-only for reads).
std::unique_ptr<Backend> MakeLocalBackend(const Cli& cli, const Options& o);

// trunkd at o.server, with `token` (which `token_source`, "$TRUNKLINE_TOKEN" or
// "--token-file FILE", names in messages: the token itself is never shown) and o.ca_file.
// `url_refused` is set when a request could not be made because of the URL itself (plain
// http to a host that is not loopback, say): a usage error.
Result<std::unique_ptr<Backend>> MakeServerBackend(const Options& o, std::string token,
                                                   std::string token_source, bool* url_refused);

// The first line of a token file. kFailedPrecondition naming the file when it cannot be
// read, is not a regular file, or may be read by group or others (as for secret files of
// provider accounts: chmod 600).
Result<std::string> ReadTokenFile(const std::string& path);

}  // namespace trunkline::trunkctl
