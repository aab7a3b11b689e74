// Appends from several threads until killed, printing one line per acknowledged append:
//   ACK <command_id> <first_position> <last_position>
// Before that it prints READY, and, from round 1 on, retries the first command of the
// previous round and prints REPLAY <command_id> <replayed 0|1> <first_position>.
// Usage: journal_crash_child DIR ROUND THREADS
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "trunkline/journal/rocksdb_journal.h"

using namespace trunkline::journal;

namespace {
std::mutex out_mu;

void Say(const std::string& line) {
  std::lock_guard lock(out_mu);
  const std::string l = line + "\n";
  if (::write(STDOUT_FILENO, l.data(), l.size()) < 0) std::_Exit(3);
}

AppendRequest Command(const std::string& id) {
  AppendRequest r;
  r.stream = "crash-" + id.substr(0, id.rfind('-'));
  r.metadata = {"crash-test", "append until killed", id, ""};
  r.events = {{"First", 1, id + "/1"}, {"Second", 1, id + "/2"}};
  return r;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return 2;
  RocksDbJournalOptions options;
  options.dir = argv[1];
  const int round = std::stoi(argv[2]);
  const int threads = std::stoi(argv[3]);
  auto journal = RocksDbJournal::Open(options);
  if (!journal.ok()) {
    std::fprintf(stderr, "%s\n", journal.status().ToString().c_str());
    return 1;
  }
  if (round > 0) {
    const std::string id = "r" + std::to_string(round - 1) + "-t0-0";
    auto r = (*journal)->Append(Command(id));
    if (!r.ok()) return 1;
    Say("REPLAY " + id + " " + (r->replayed ? "1 " : "0 ") + std::to_string(r->first_position));
  }
  Say("READY");
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
        const std::string id =
            "r" + std::to_string(round) + "-t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = (*journal)->Append(Command(id));
        if (!r.ok()) std::_Exit(1);
        Say("ACK " + id + " " + std::to_string(r->first_position) + " " +
            std::to_string(r->last_position));
      }
    });
  }
  for (auto& w : workers) w.join();
  return 0;
}
