// Appends from two threads for up to SECONDS, compacting every 100 appends so that the
// journal's files are flushed, merged and deleted all the time; prints READY once the first
// append is durable. Exits when its standard input closes or the time is up.
// Usage: journal_busy_writer_child DIR SECONDS
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "trunkline/journal/rocksdb_journal.h"

using namespace trunkline::journal;

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  RocksDbJournalOptions options;
  options.dir = argv[1];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::stoi(argv[2]));
  auto journal = RocksDbJournal::Open(options);
  if (!journal.ok()) {
    std::fprintf(stderr, "%s\n", journal.status().ToString().c_str());
    return 1;
  }
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  auto append = [&](int t, int count) {
    for (int i = 0; i < count && !stop && std::chrono::steady_clock::now() < deadline; ++i) {
      AppendRequest r;
      r.stream = "busy-" + std::to_string(i % 7);
      r.metadata = {"busy", "appending beside readers",
                    "t" + std::to_string(t) + "-" + std::to_string(i), ""};
      r.events = {{"Happened", 1, std::string(200, 'x')}, {"Happened", 1, "second"}};
      if (!(*journal)->Append(r).ok()) std::_Exit(1);
      if (++appended % 100 == 0 && !(*journal)->Compact().ok()) std::_Exit(1);
    }
  };
  append(0, 150);  // a first round, so that readers find a journal
  std::puts("READY");
  std::fflush(stdout);
  std::vector<std::thread> threads;
  for (int t = 1; t <= 2; ++t) threads.emplace_back(append, t, INT32_MAX);
  pollfd in{STDIN_FILENO, POLLIN, 0};
  while (std::chrono::steady_clock::now() < deadline && poll(&in, 1, 50) == 0) {
  }
  stop = true;
  for (auto& t : threads) t.join();
  return 0;
}
