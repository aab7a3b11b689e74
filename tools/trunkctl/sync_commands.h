// trunkctl's sync commands (see sync_commands.cc) and how trunk views show sync state.
#pragma once

#include <boost/json.hpp>
#include <ostream>

#include "commands.h"
#include "trunkline/sync/sync_ledger.h"
#include "trunkline/sync/sync_worker.h"

namespace trunkline::trunkctl {

// The provider accounts: --accounts FILE (or $TRUNKLINE_ACCOUNTS), and the environment's
// defaults (core/sync/README.md).
Result<sync::AccountResolver> Accounts(const Options& o);
// The provider HTTP client: --ca-file, proxies from the environment.
Result<std::unique_ptr<sync::Transport>> Transport(const Options& o);
// The worker's options: --concurrency, --max-attempts, --drift-interval, --actor (default "sync").
Result<sync::SyncOptions> WorkerOptions(const Options& o);

// Where a trunk stands with its provider (SyncStatusJson), as lines under the trunk.
void PrintSyncStatus(const boost::json::object& status, std::ostream& out);
// A sync outcome in a trunk's history (SyncRecordJson).
void PrintSyncRecord(const boost::json::object& record, std::ostream& out);

// `sync run [--once]`: the worker in the foreground, a progress line on a terminal. Embedded
// only: it needs the data dir to itself.
Status SyncRunCommand(const Cli& cli, const Options& o);
// `sync status [ID]`: per trunk, registry vs synced version, remote id, state, last error.
Status SyncStatusCommand(const Cli& cli, const Options& o);
// `sync plan [ID]`: reads the providers, lists the writes that would follow; sends none.
Status SyncPlanCommand(const Cli& cli, const Options& o);
Status SyncRetryCommand(const Cli& cli, const Options& o);
Status SyncPolicyCommand(const Cli& cli, const Options& o);
// `import --provider P [--account A]`.
Status ImportCommand(const Cli& cli, const Options& o);

}  // namespace trunkline::trunkctl
