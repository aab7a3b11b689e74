#include "load_bench.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

namespace trunkline::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// A request and its answer must both be done within this; past it the run ends as if the
// server were gone.
constexpr std::chrono::seconds kExchangeTimeout{10};
// Origination URLs a Twilio trunk holds at most: past it the next item command removes one.
constexpr size_t kMaxItems = 3;
// Error answers kept as samples, per status, to show what went wrong.
constexpr size_t kSampleBytes = 300;

struct Trunk {
  std::string id;
  bool plivo = false;
  bool usable = false;  // created (or found existing)
  // The trunk as this client made it, so that every command changes something (a command
  // that changes nothing is answered but writes nothing).
  uint64_t updates = 0;
  bool disabled = false;  // Plivo trunk_status
  bool secure = false;    // Plivo secure
  std::vector<std::string> items;
};

struct Command {
  bhttp::verb verb;
  std::string target;
  std::string body;
  Trunk* trunk;
  std::string item_added;    // the item to note once acknowledged
  std::string item_removed;  // likewise
};

// What all connections share. `failure` and the stop flag are written by whichever
// connection fails first; the rest is set before the io threads start.
struct Shared {
  tcp::endpoint endpoint;
  std::string host;
  std::string authorization;
  std::string prefix;
  int acks_fd = -1;
  SteadyClock::time_point deadline;
  std::atomic<bool> stop{false};
  std::mutex mu;
  Status failure;                              // guarded by mu
  std::map<unsigned, std::string> samples;     // guarded by mu: status -> first answer
  std::vector<std::function<void()>> closers;  // set before the run; each posts a close
};

struct Connection {
  Connection(asio::io_context& context, int number, uint64_t seed)
      : io(&context), index(number), stream(context), rng(seed) {}

  asio::io_context* io;
  int index;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool connected = false;
  std::mt19937_64 rng;
  std::vector<Trunk> trunks;
  uint64_t sequence = 0;
  // Of the timed commands.
  std::vector<uint32_t> latencies_us;
  uint64_t commands = 0, errors = 0, conflicts = 0, unchanged = 0;
  // Of the creates.
  uint64_t created = 0, create_errors = 0, create_conflicts = 0;
  SteadyClock::time_point finished;
};

// The text of the top-level member `name` of a trunk answer. trunkd writes "changed",
// "replayed" and "position" after the trunk itself, so their last occurrence is theirs.
std::string_view MemberText(std::string_view body, std::string_view name) {
  std::string key = "\"";
  key += name;
  key += "\":";
  const size_t at = body.rfind(key);
  if (at == std::string_view::npos) return {};
  const size_t from = at + key.size();
  const size_t to = body.find_first_of(",}", from);
  if (to == std::string_view::npos) return {};
  return body.substr(from, to - from);
}

void Fail(Shared& shared, Status why) {
  {
    std::lock_guard lock(shared.mu);
    if (shared.failure.ok()) shared.failure = std::move(why);
  }
  if (!shared.stop.exchange(true)) {
    for (auto& close : shared.closers) close();
  }
}

void Ack(const Shared& shared, const std::string& key, const std::string& trunk,
         std::string_view position) {
  if (shared.acks_fd < 0) return;
  std::string line;
  line.reserve(key.size() + trunk.size() + position.size() + 3);
  line.append(key).append(" ").append(trunk).append(" ").append(position).append("\n");
  // O_APPEND and one write per line: lines from both io threads never interleave, and each
  // is in the file (the page cache) as soon as this returns, whatever happens to either
  // process afterwards.
  const ssize_t n = ::write(shared.acks_fd, line.data(), line.size());
  (void)n;
}

// One request and its answer on the connection's keep-alive stream, connecting first when
// needed. An error means the connection broke, was refused or timed out.
asio::awaitable<beast::error_code> Exchange(Shared& shared, Connection& c, const Command& cmd,
                                            const std::string& key,
                                            bhttp::response<bhttp::string_body>& answer) {
  if (!c.connected) {
    c.stream.expires_after(kExchangeTimeout);
    auto [error] = co_await c.stream.async_connect(shared.endpoint, kAwait);
    if (error) co_return error;
    c.stream.socket().set_option(tcp::no_delay(true));
    c.buffer.clear();
    c.connected = true;
  }
  bhttp::request<bhttp::string_body> request{cmd.verb, cmd.target, 11};
  request.set(bhttp::field::host, shared.host);
  request.set(bhttp::field::authorization, shared.authorization);
  request.set("Idempotency-Key", key);
  if (!cmd.body.empty()) request.set(bhttp::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = cmd.body;
  request.prepare_payload();
  c.stream.expires_after(kExchangeTimeout);
  auto [write_error, written] = co_await bhttp::async_write(c.stream, request, kAwait);
  if (write_error) co_return write_error;
  answer = {};
  auto [read_error, read] = co_await bhttp::async_read(c.stream, c.buffer, answer, kAwait);
  if (read_error) co_return read_error;
  if (!answer.keep_alive()) {  // the server closes after this answer: reconnect next time
    beast::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.stream.close();
    c.connected = false;
  }
  co_return beast::error_code{};
}

std::string CreateBody(const Trunk& t, const std::string& plivo_ipacl) {
  if (t.plivo) {
    return R"({"provider":"plivo","id":")" + t.id + R"(","fields":{"name":")" + t.id +
           R"(","trunk_direction":"outbound","ipacl_uuid":")" + plivo_ipacl + R"("}})";
  }
  return R"({"provider":"twilio","id":")" + t.id + R"(","fields":{"friendly_name":")" + t.id +
         R"(","domain_name":")" + t.id + R"(.pstn.twilio.com"}})";
}

// The next command on one of the connection's trunks: 7 in 10 field updates; on Twilio
// trunks the rest add an origination URL or remove one (at most kMaxItems held). Each
// changes the trunk as this client last left it.
Command NextCommand(Connection& c, std::vector<Trunk*>& usable) {
  Trunk& t = *usable[c.rng() % usable.size()];
  const uint64_t roll = c.rng() % 100;
  const std::string path = "/v1/trunks/" + t.id;
  if (t.plivo) {
    if (roll < 70) {
      return {bhttp::verb::patch,
              path,
              std::string(R"({"fields":{"trunk_status":")") +
                  (t.disabled ? "enabled" : "disabled") + "\"}}",
              &t,
              {},
              {}};
    }
    return {bhttp::verb::patch,
            path,
            std::string(R"({"fields":{"secure":)") + (t.secure ? "false" : "true") + "}}",
            &t,
            {},
            {}};
  }
  if (roll < 70) {
    return {bhttp::verb::patch,
            path,
            R"({"fields":{"friendly_name":"load )" + std::to_string(c.index) + "-" +
                std::to_string(++t.updates) + "\"}}",
            &t,
            {},
            {}};
  }
  if (t.items.size() >= kMaxItems || (!t.items.empty() && roll >= 85)) {
    const std::string item = t.items[c.rng() % t.items.size()];
    return {bhttp::verb::delete_, path + "/origination_urls/" + item, "", &t, {}, item};
  }
  const std::string item = "u" + std::to_string(c.sequence);
  return {bhttp::verb::post,
          path + "/origination_urls",
          R"({"id":")" + item + R"(","fields":{"friendly_name":")" + item + R"(","sip_url":"sip:)" +
              item +
              R"(@pbx.example.com","priority":10,"weight":10,)"
              R"("enabled":true}})",
          &t,
          item,
          {}};
}

// The client's model of the trunk after an acknowledged command.
void Note(const Command& cmd) {
  Trunk& t = *cmd.trunk;
  if (!cmd.item_added.empty()) t.items.push_back(cmd.item_added);
  if (!cmd.item_removed.empty()) std::erase(t.items, cmd.item_removed);
  if (cmd.body.find("trunk_status") != std::string::npos) t.disabled = !t.disabled;
  if (cmd.body.find("\"secure\"") != std::string::npos) t.secure = !t.secure;
}

void KeepSample(Shared& shared, const bhttp::response<bhttp::string_body>& answer,
                const Command& cmd) {
  std::lock_guard lock(shared.mu);
  auto& sample = shared.samples[answer.result_int()];
  if (sample.empty()) {
    sample = std::string(bhttp::to_string(cmd.verb)) + " " + cmd.target + ": " +
             answer.body().substr(0, kSampleBytes);
    while (!sample.empty() && sample.back() == '\n') sample.pop_back();
  }
}

Status BrokenConnection(const Connection& c, const beast::error_code& error, bool creating) {
  return UnavailableError(
      "connection " + std::to_string(c.index) + ": " +
      (error == beast::error::timeout
           ? "no answer within " + std::to_string(kExchangeTimeout.count()) + " s"
           : error.message()) +
      (creating ? " while creating trunks" : " during the load") +
      ": the server is gone or stuck; the run ends here");
}

asio::awaitable<void> CreateTrunks(Shared& shared, Connection& c, const std::string& plivo_ipacl) {
  bhttp::response<bhttp::string_body> answer;
  for (Trunk& t : c.trunks) {
    if (shared.stop) co_return;
    Command cmd{bhttp::verb::post, "/v1/trunks", CreateBody(t, plivo_ipacl), &t, {}, {}};
    const std::string key =
        shared.prefix + "-" + std::to_string(c.index) + "-" + std::to_string(++c.sequence);
    beast::error_code error = co_await Exchange(shared, c, cmd, key, answer);
    if (error) {
      if (!shared.stop) Fail(shared, BrokenConnection(c, error, true));
      co_return;
    }
    const unsigned status = answer.result_int();
    if (status / 100 == 2) {
      Ack(shared, key, t.id, MemberText(answer.body(), "position"));
      t.usable = true;
      ++c.created;
    } else if (status == 409) {  // made by an earlier run with the same prefix
      t.usable = true;
      ++c.create_conflicts;
      KeepSample(shared, answer, cmd);
    } else {
      ++c.create_errors;
      KeepSample(shared, answer, cmd);
    }
  }
}

asio::awaitable<void> RunCommands(Shared& shared, Connection& c) {
  std::vector<Trunk*> usable;
  for (Trunk& t : c.trunks) {
    if (t.usable) usable.push_back(&t);
  }
  bhttp::response<bhttp::string_body> answer;
  while (!usable.empty() && !shared.stop && SteadyClock::now() < shared.deadline) {
    const Command cmd = NextCommand(c, usable);
    const std::string key =
        shared.prefix + "-" + std::to_string(c.index) + "-" + std::to_string(++c.sequence);
    const auto start = SteadyClock::now();
    beast::error_code error = co_await Exchange(shared, c, cmd, key, answer);
    if (error) {
      if (!shared.stop) Fail(shared, BrokenConnection(c, error, false));
      break;
    }
    const auto took = SteadyClock::now() - start;
    c.latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(took).count(), UINT32_MAX)));
    const unsigned status = answer.result_int();
    if (status / 100 == 2) {
      const std::string_view position = MemberText(answer.body(), "position");
      Ack(shared, key, cmd.trunk->id, position);
      ++c.commands;
      if (MemberText(answer.body(), "changed") != "true") ++c.unchanged;
      Note(cmd);
    } else if (status == 409) {
      ++c.conflicts;
      KeepSample(shared, answer, cmd);
    } else {
      ++c.errors;
      KeepSample(shared, answer, cmd);
    }
  }
  c.finished = SteadyClock::now();
}

// http://HOST:PORT (a trailing '/' allowed).
Status ParseUrl(const std::string& url, std::string& host, std::string& port) {
  constexpr std::string_view kScheme = "http://";
  std::string rest = url;
  if (rest.rfind(kScheme, 0) != 0) {
    return InvalidArgumentError("--url: must be http://HOST:PORT (got \"" + url + "\")");
  }
  rest = rest.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find('/') != std::string::npos) {
    return InvalidArgumentError("--url: must be http://HOST:PORT (got \"" + url + "\")");
  }
  host = rest.substr(0, colon);
  port = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return OkStatus();
}

Result<std::string> ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token)) {
    return InvalidArgumentError("--token-file: cannot read a token from " + path);
  }
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (token.empty()) return InvalidArgumentError("--token-file: " + path + " holds no token");
  return token;
}

std::string RandomPrefix() {
  std::random_device device;
  char text[16];
  std::snprintf(text, sizeof text, "ld%06x", device() & 0xffffff);
  return text;
}

// Runs every connection's `body` to its end, each on its connection's io context.
template <typename Body>
void RunAll(std::vector<std::unique_ptr<asio::io_context>>& contexts,
            std::vector<std::unique_ptr<Connection>>& connections, Shared& shared, Body body) {
  for (auto& c : connections) {
    asio::co_spawn(*c->io, body(*c), [&shared, index = c->index](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& what) {
        Fail(shared, InternalError("connection " + std::to_string(index) + ": " + what.what()));
      }
    });
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < contexts.size(); ++i) {
    threads.emplace_back([io = contexts[i].get()] { io->run(); });
  }
  contexts[0]->run();
  for (auto& t : threads) t.join();
  for (auto& io : contexts) io->restart();
}

double Percentile(std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1] / 1000.0;
}

}  // namespace

LoadBenchResult RunLoadBench(const LoadBenchOptions& o) {
  LoadBenchResult result;
  if (o.connections == 0 || o.trunks < o.connections) {
    result.status = InvalidArgumentError(
        "--trunks: must be at least --connections (each "
        "connection needs trunks of its own)");
    return result;
  }
  if (o.threads < 1 || o.threads > 2) {
    result.status = InvalidArgumentError("--threads: must be 1 or 2");
    return result;
  }
  Shared shared;
  std::string port;
  if (Status s = ParseUrl(o.url, shared.host, port); !s.ok()) {
    result.status = s;
    return result;
  }
  Result<std::string> token = ReadToken(o.token_file);
  if (!token.ok()) {
    result.status = token.status();
    return result;
  }
  shared.authorization = "Bearer " + *token;
  shared.prefix = o.prefix.empty() ? RandomPrefix() : o.prefix;
  {
    asio::io_context resolve_io;
    tcp::resolver resolver(resolve_io);
    beast::error_code error;
    auto found = resolver.resolve(shared.host, port, error);
    if (error || found.empty()) {
      result.status = InvalidArgumentError("--url: cannot resolve " + shared.host + ":" + port +
                                           (error ? " (" + error.message() + ")" : ""));
      return result;
    }
    shared.endpoint = found.begin()->endpoint();
  }
  shared.host += ":" + port;
  if (!o.acks_file.empty()) {
    shared.acks_fd = ::open(o.acks_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (shared.acks_fd < 0) {
      result.status =
          InvalidArgumentError("--acks: cannot open " + o.acks_file + ": " + std::strerror(errno));
      return result;
    }
  }

  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int i = 0; i < o.threads; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  std::vector<std::unique_ptr<Connection>> connections;
  std::random_device device;
  const uint64_t seed = (uint64_t{device()} << 32) | device();
  for (uint32_t i = 0; i < o.connections; ++i) {
    connections.push_back(
        std::make_unique<Connection>(*contexts[i % contexts.size()], i, seed + i * 7919));
  }
  for (uint64_t n = 0; n < o.trunks; ++n) {
    Trunk t;
    t.id = shared.prefix + "-" + std::to_string(n);
    t.plivo = !o.plivo_ipacl.empty() && o.plivo_every > 0 && n % o.plivo_every == 0;
    connections[n % o.connections]->trunks.push_back(std::move(t));
  }
  for (auto& c : connections) {
    Connection* conn = c.get();
    shared.closers.push_back([conn] {
      asio::post(*conn->io, [conn] {
        beast::error_code ignored;
        conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        conn->stream.socket().close(ignored);
      });
    });
  }

  const auto create_start = SteadyClock::now();
  RunAll(contexts, connections, shared,
         [&](Connection& c) { return CreateTrunks(shared, c, o.plivo_ipacl); });
  const double create_s = std::chrono::duration<double>(SteadyClock::now() - create_start).count();

  if (!shared.stop) {
    uint64_t made = 0;
    for (auto& c : connections) made += c->created + c->create_conflicts;
    // A line a script can wait for: the timed commands start now.
    std::cerr << "trunkline-bench load: " << made << " trunks ready in " << create_s
              << " s; commands on " << o.connections << " connections for " << o.seconds << " s"
              << std::endl;
  }
  const auto start = SteadyClock::now();
  shared.deadline = start + std::chrono::microseconds(static_cast<int64_t>(o.seconds * 1e6));
  if (!shared.stop) {
    RunAll(contexts, connections, shared, [&](Connection& c) { return RunCommands(shared, c); });
  }
  if (shared.acks_fd >= 0) ::close(shared.acks_fd);

  std::vector<uint32_t> latencies;
  uint64_t commands = 0, errors = 0, conflicts = 0, unchanged = 0, created = 0;
  SteadyClock::time_point end = start;
  for (auto& c : connections) {
    latencies.insert(latencies.end(), c->latencies_us.begin(), c->latencies_us.end());
    commands += c->commands;
    errors += c->errors + c->create_errors;
    conflicts += c->conflicts + c->create_conflicts;
    unchanged += c->unchanged;
    created += c->created;
    end = std::max(end, c->finished);
  }
  std::sort(latencies.begin(), latencies.end());
  const double seconds = std::chrono::duration<double>(end - start).count();
  result.figures = {
      {"load_commands_per_s", seconds > 0 ? static_cast<double>(commands) / seconds : 0,
       "commands/s"},
      {"load_p50_ms", Percentile(latencies, 0.50), "ms"},
      {"load_p99_ms", Percentile(latencies, 0.99), "ms"},
      {"load_errors", static_cast<double>(errors), "answers"},
      {"load_conflicts", static_cast<double>(conflicts), "answers"},
      {"load_commands", static_cast<double>(commands), "commands"},
      {"load_unchanged", static_cast<double>(unchanged), "commands"},
      {"load_trunks", static_cast<double>(created), "trunks"},
      {"load_create_s", create_s, "s"},
  };
  for (const auto& [status, sample] : shared.samples) {
    std::cerr << "trunkline-bench load: first " << status << " answer: " << sample << "\n";
  }
  std::lock_guard lock(shared.mu);
  result.status = shared.failure;
  return result;
}

}  // namespace trunkline::bench
