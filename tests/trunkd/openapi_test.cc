// trunkd against its OpenAPI document (tools/trunkd/openapi.json), over real HTTP on
// 127.0.0.1: every operation is called with good and bad input; each request is checked
// against the document (parameters, headers and body it declares) and each answer too
// (status, Content-Type, required headers, body schema). At the end, the (method, path
// template, status) trunkd answered must be exactly those the document lists, so that neither
// can change without the other.
#include "testutil/openapi.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>
#include <tuple>

#include "provider_emulator/basic_auth.h"
#include "trunkd_fixture.h"
#include "trunkline/base/sha256.h"

namespace trunkline::trunkd::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using trunkline::testing::OpenApi;
using Headers = std::map<std::string, std::string>;

const OpenApi& Spec() {
  static const OpenApi* spec = new OpenApi(TRUNKD_OPENAPI);
  return *spec;
}

// What the document says of a request: that it conforms, that it does not (the server must
// refuse it too), or nothing (a value the document describes only in words, e.g. a date that
// does not exist).
enum class Input { kGood, kBad, kAny };

constexpr char kReader[] = "r-token";
constexpr char kPn1[] = "PN0123456789abcdef0123456789abcdef";
constexpr char kPn2[] = "PNfedcba9876543210fedcba9876543210";

std::string CreateBody(const std::string& id, const std::string& domain) {
  return R"({"provider":"twilio","id":")" + id +
         R"(","fields":{"friendly_name":"One","domain_name":")" + domain + R"("}})";
}
constexpr char kOrigination[] =
    R"({"id":"main","fields":{"sip_url":"sip:a@example.com","weight":10,"priority":10,)"
    R"("enabled":true,"friendly_name":"m"}})";

// A body with `member` and a reason too long for the server's body limit (16 KiB here).
std::string Oversized(const std::string& member) {
  return "{" + member + R"("reason":")" + std::string(40'000, 'x') + R"("})";
}

// A whole answer read from a raw socket: for the event stream, which never ends.
struct RawAnswer {
  int status = 0;
  std::vector<http::Header> headers;
  std::string body;  // de-chunked, up to where reading stopped
};

// Parses what came so far of an answer: the head, and the body (de-chunked: the last chunk
// may be cut). `complete` once the whole answer came.
RawAnswer ParseRaw(const std::string& raw, bool& complete) {
  RawAnswer out;
  complete = false;
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.size() < 12) return out;
  out.status = std::stoi(raw.substr(9, 3));
  std::stringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);  // the status line
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    out.headers.push_back({line.substr(0, colon), value});
  }
  size_t at = head_end + 4;
  if (auto length = http::FindHeader(out.headers, "Content-Length")) {
    out.body = raw.substr(at, std::stoul(*length));
    complete = out.body.size() == std::stoul(*length);
    return out;
  }
  // Transfer-Encoding: chunked: "<hex size>\r\n<bytes>\r\n"..., then a chunk of size 0.
  while (at < raw.size()) {
    const size_t eol = raw.find("\r\n", at);
    if (eol == std::string::npos) break;
    const size_t size = std::stoul(raw.substr(at, eol - at), nullptr, 16);
    if (size == 0) {
      complete = true;
      break;
    }
    out.body += raw.substr(eol + 2, size);
    at = eol + 2 + size + 2;
  }
  return out;
}

// Complete Server-Sent Events in `body` (each ends with a blank line).
size_t CompleteEvents(const std::string& body) {
  size_t n = 0;
  for (size_t at = body.find("\ndata: "); at != std::string::npos;
       at = body.find("\ndata: ", at + 1)) {
    n += body.find("\n\n", at + 1) != std::string::npos;
  }
  return n;
}

// Sends GET `target` and reads for up to `wait`, until the answer is complete or, for a
// stream, until `want` whole events came.
RawAnswer ReadStream(uint16_t port, const std::string& target, const Headers& headers, size_t want,
                     std::chrono::milliseconds wait) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return {};
  }
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\n";
  for (const auto& [k, v] : headers) request += k + ": " + v + "\r\n";
  request += "\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  timeval tv{0, 100'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string raw;
  RawAnswer out;
  bool complete = false;
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n > 0) raw.append(buf, static_cast<size_t>(n));
    out = ParseRaw(raw, complete);
    if (complete || (want > 0 && CompleteEvents(out.body) >= want)) break;
  }
  close(fd);
  return out;
}

// The JSON of each `data:` line of Server-Sent Events, whole events only.
std::vector<json::value> EventData(const std::string& body) {
  std::vector<json::value> out;
  std::stringstream lines(body.substr(0, body.rfind("\n\n") + 1));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("data: ", 0) == 0) out.push_back(json::parse(line.substr(6)));
  }
  return out;
}

class OpenApiTest : public TrunkdTest {
 protected:
  // Starts trunkd over the data dir `name` (a fresh one per name), replacing any running one.
  // The tokens are those of `tokens_file_` (ops: write "test-token", reader: read "r-token").
  void StartOn(const std::string& name, ServiceOptions options, bool sync = false) {
    client_.reset();
    if (service_) {
      service_->Shutdown(std::chrono::milliseconds(2000));
      service_.reset();
    }
    if (tokens_file_.empty()) {
      tokens_file_ = dir_.Sub("tokens");
      std::ofstream out(tokens_file_);
      out << "ops write " << ToHex(Sha256Of("test-token")) << "\n"
          << "reader read " << ToHex(Sha256Of(kReader)) << "\n";
    }
    options.data_dir = dir_.Sub(name);
    options.port = 0;
    options.sync = sync;
    options.tokens_file = tokens_file_;
    options.environment = sync::MapEnvironment({});
    auto started = Service::Start(options, log_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    service_ = std::move(*started);
    Reconnect();
  }

  void Reconnect() {
    client_ = std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", service_->port()});
  }

  // Sends a request, checks it and its answer against the document, and records what was
  // answered.
  Answer Call(const std::string& method, const std::string& target, const std::string& body = "",
              const Headers& headers = {}, Input input = Input::kGood,
              const std::string& token = "test-token") {
    auto parsed = boost::urls::parse_origin_form(target);
    EXPECT_TRUE(parsed) << target;
    if (!parsed) return {};
    const std::string path(parsed->path());
    std::map<std::string, std::string> query;
    for (auto param : parsed->params()) query[param.key] = param.value;
    const std::string tmpl = Spec().TemplateOf(path);
    EXPECT_FALSE(tmpl.empty()) << path << " is no path of the document";
    const std::string what = method + " " + target + (body.size() < 300 ? " " + body : "");
    OpenApi::Headers sent(headers.begin(), headers.end());
    std::vector<std::string> request_problems =
        Spec().CheckRequest(method, tmpl, query, sent, body);
    if (input == Input::kGood) {
      EXPECT_THAT(request_problems, IsEmpty()) << what << ": the document refuses the request";
    } else if (input == Input::kBad) {
      EXPECT_THAT(request_problems, Not(IsEmpty())) << what << ": the document allows it";
    }
    Answer a = Send(method, target, body, headers, token);
    OpenApi::Headers got;
    for (const http::Header& h : a.headers) got.emplace_back(h.name, h.value);
    EXPECT_THAT(Spec().CheckAnswer(method, tmpl, a.status, got, a.body), IsEmpty())
        << what << " -> " << a.status << " " << a.body.substr(0, 2000);
    if (input == Input::kBad) {
      EXPECT_EQ(a.status / 100, 4) << what << " -> " << a.body;
    }
    seen_.emplace(method, tmpl, a.status);
    if (a.status == 413) Reconnect();  // the server closed the connection
    return a;
  }

  // Calls and expects `status`.
  Answer Expect(int status, const std::string& method, const std::string& target,
                const std::string& body = "", const Headers& headers = {},
                Input input = Input::kGood, const std::string& token = "test-token") {
    Answer a = Call(method, target, body, headers, input, token);
    EXPECT_EQ(a.status, status) << method << " " << target << " " << body.substr(0, 300) << " -> "
                                << a.body;
    return a;
  }

  // The live stream, read for up to `wait` or until `want` events came.
  RawAnswer Stream(const std::string& target, Headers headers, size_t want,
                   std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    headers.emplace("Authorization", "Bearer test-token");
    RawAnswer a = ReadStream(service_->port(), target, headers, want, wait);
    OpenApi::Headers got;
    for (const http::Header& h : a.headers) got.emplace_back(h.name, h.value);
    const std::string tmpl = "/v1/events/stream";
    OpenApi::Headers sent;
    std::map<std::string, std::string> query;
    auto parsed = boost::urls::parse_origin_form(target);
    for (auto param : parsed->params()) query[param.key] = param.value;
    for (const auto& [k, v] : headers) {
      if (k != "Authorization") sent.emplace_back(k, v);
    }
    EXPECT_THAT(Spec().CheckRequest("GET", tmpl, query, sent, ""), IsEmpty());
    EXPECT_THAT(Spec().CheckAnswer("GET", tmpl, a.status, got, ""), IsEmpty());
    for (const json::value& record : EventData(a.body)) CheckRecord(record);
    seen_.emplace("GET", tmpl, a.status);
    return a;
  }

  // A record's payload against the schema named like its type, beside the Record schema.
  void CheckRecord(const json::value& record) {
    EXPECT_THAT(Spec().CheckSchema("Record", record), IsEmpty()) << json::serialize(record);
    const json::value* payload = record.as_object().if_contains("payload");
    ASSERT_NE(payload, nullptr) << json::serialize(record);
    const std::string type(record.at("type").as_string());
    EXPECT_THAT(Spec().CheckSchema(type, *payload), IsEmpty()) << json::serialize(record);
    records_.insert(type);
  }

  void CheckRecords(const Answer& events) {
    std::stringstream lines(events.body);
    std::string line;
    while (std::getline(lines, line)) CheckRecord(json::parse(line));
  }

  void CheckHistory(const Answer& history) {
    for (const json::value& entry : history.json.at("history").as_array()) {
      const std::string type(entry.at("type").as_string());
      records_.insert(type);
      if (const json::value* sync = entry.as_object().if_contains("sync")) {
        EXPECT_THAT(Spec().CheckSchema(type, *sync), IsEmpty()) << json::serialize(entry);
      }
    }
  }

  // Every operation of the document, with a path and a body that reach it.
  struct Operation {
    std::string method, target, body;
  };
  static std::vector<Operation> EveryOperation() {
    const std::string add = R"({"id":"x"})";
    const std::string fields = R"({"fields":{"friendly_name":"x"}})";
    return {
        {"GET", "/healthz", ""},
        {"GET", "/readyz", ""},
        {"GET", "/metrics", ""},
        {"GET", "/v1/trunks", ""},
        {"POST", "/v1/trunks", CreateBody("z", "z.pstn.twilio.com")},
        {"GET", "/v1/trunks/t1", ""},
        {"PATCH", "/v1/trunks/t1", fields},
        {"DELETE", "/v1/trunks/t1", ""},
        {"GET", "/v1/trunks/t1/history", ""},
        {"GET", "/v1/trunks/t1/diff?from=1&to=2", ""},
        {"GET", "/v1/trunks/t1/sync", ""},
        {"GET", "/v1/trunks/t1/sync/plan", ""},
        {"GET", "/v1/sync/plan", ""},
        {"POST", "/v1/trunks/t1/sync/retry", ""},
        {"PUT", "/v1/trunks/t1/sync/policy", R"({"drift":"report"})"},
        {"POST", "/v1/trunks/t1/origination_urls", add},
        {"PATCH", "/v1/trunks/t1/recording", R"({"fields":{"trim":"do-not-trim"}})"},
        {"PATCH", "/v1/trunks/t1/origination_urls/main", R"({"fields":{"weight":2}})"},
        {"DELETE", "/v1/trunks/t1/origination_urls/main", ""},
        {"GET", "/v1/events", ""},
        {"GET", "/v1/events/stream", ""},
        {"GET", "/v1/journal/verify", ""},
        {"GET", "/v1/sync", ""},
        {"POST", "/v1/import", R"({"provider":"twilio"})"},
        {"GET", "/v1/plugins", ""},
        {"GET", "/v1/plugins/twilio/schema", ""},
    };
  }

  // Reads a trunk's sync state until `done` holds of it, for up to 20 s.
  json::value WaitForSync(const std::string& id,
                          const std::function<bool(const json::value&)>& done,
                          const std::string& what) {
    json::value last;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      Answer a = Send("GET", "/v1/trunks/" + id + "/sync");
      if (a.status == 200) {
        last = a.json;
        if (done(last)) {
          EXPECT_THAT(Spec().CheckSchema("SyncStatus", last), IsEmpty());
          return last;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << id << ": not " << what << " within 20 s; last " << json::serialize(last);
    return last;
  }

  // A request to the Twilio emulator trunkd started, with the sandbox credentials.
  http::Response Twilio(const std::string& method, const std::string& target,
                        const std::string& form = "") {
    std::map<std::string, std::string> env;
    std::ifstream in(dir_.Sub("sync") + "/sandbox.env");
    for (std::string line; std::getline(in, line);) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    http::Client twilio(http::ClientOptions{"127.0.0.1", service_->twilio_port()});
    http::Request r{method, target, {}, form};
    if (!target.starts_with("/__emulator/")) {
      r.headers.push_back({"Authorization", emulator::testing::Basic(env["TWILIO_ACCOUNT_SID"],
                                                                     env["TWILIO_AUTH_TOKEN"])});
    }
    if (!form.empty()) {
      r.headers.push_back({"Content-Type", target.starts_with("/__emulator/")
                                               ? "text/plain"
                                               : "application/x-www-form-urlencoded"});
    }
    Result<http::Response> answer = twilio.Send(r);
    EXPECT_TRUE(answer.ok()) << answer.status().ToString();
    return answer.ok() ? *answer : http::Response{};
  }

  void Trunks();
  void SubResources();
  void HistoryAndAudit();
  void SyncWithoutTheWorker();
  void RefusedBeforeTheRoute();
  void UndocumentedMethodsAreNotServed();
  void NoPlugins();
  void RateLimited();
  void Sync();

  std::string tokens_file_;
  std::set<std::tuple<std::string, std::string, int>> seen_;
  std::set<std::string> records_;  // the record types seen and checked
};

void OpenApiTest::Trunks() {
  Expect(200, "GET", "/healthz", "", {}, Input::kGood, "");
  Expect(200, "GET", "/readyz");
  Expect(200, "GET", "/metrics");
  Expect(200, "GET", "/v1/plugins");
  Expect(200, "GET", "/v1/plugins/twilio/schema");
  Expect(200, "GET", "/v1/plugins/plivo/schema");
  Expect(404, "GET", "/v1/plugins/nope/schema");

  // Create: with a reason and a key; the key again gives the original answer.
  Answer created = Expect(201, "POST", "/v1/trunks", CreateBody("t1", "one.pstn.twilio.com"),
                          {{"X-Reason", "ticket 7"}, {"Idempotency-Key", "k-1"}});
  EXPECT_EQ(created.json.at("replayed"), json::value(false));
  Answer replayed = Expect(201, "POST", "/v1/trunks", CreateBody("t1", "one.pstn.twilio.com"),
                           {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(replayed.json.at("replayed"), json::value(true));
  EXPECT_EQ(Expect(409, "POST", "/v1/trunks", CreateBody("t9", "nine.pstn.twilio.com"),
                   {{"Idempotency-Key", "k-1"}})
                .json.at("error")
                .at("code"),
            json::value("ALREADY_EXISTS"));
  Answer generated = Expect(
      201, "POST", "/v1/trunks",
      R"({"provider":"twilio","account":"default","reason":"why","fields":{"friendly_name":"G",)"
      R"("domain_name":"gen.pstn.twilio.com","secure":true,"disaster_recovery_url":null}})",
      {{"If-Match", "\"0\""}});
  EXPECT_THAT(std::string(generated.json.at("id").as_string()), ::testing::StartsWith("tr-"));
  Expect(409, "POST", "/v1/trunks", CreateBody("t1", "one.pstn.twilio.com"));
  Expect(409, "POST", "/v1/trunks", CreateBody("t8", "eight.pstn.twilio.com"), {{"If-Match", "3"}});
  Expect(400, "POST", "/v1/trunks", "{nope", {}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", "[1]", {}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", R"({"fields":{}})", {}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", R"({"provider":7})", {}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", R"({"provider":"twilio","fields":{"a":[1]}})", {}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", R"({"provider":"twilio","fields":{"a":1.5}})", {}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", R"({"provider":"twilio","fields":[]})", {}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", CreateBody("t7", "seven.pstn.twilio.com"),
         {{"If-Match", "W/\"1\""}}, Input::kBad);
  Expect(400, "POST", "/v1/trunks", CreateBody("t7", "seven.pstn.twilio.com"),
         {{"Idempotency-Key", std::string(201, 'k')}}, Input::kBad);
  Expect(404, "POST", "/v1/trunks", R"({"provider":"nope","id":"t6"})");
  Answer rule = Expect(422, "POST", "/v1/trunks", CreateBody("t5", "not a domain"));
  EXPECT_EQ(rule.json.at("error").at("field"), json::value("domain_name"));
  Answer unique = Expect(422, "POST", "/v1/trunks", CreateBody("t5", "one.pstn.twilio.com"));
  EXPECT_THAT(std::string(unique.json.at("error").at("message").as_string()), HasSubstr("unique"));
  Expect(422, "POST", "/v1/trunks", R"({"provider":"twilio","id":"t5","fields":{"secure":"x"}})");

  // Read and list.
  Answer got = Expect(200, "GET", "/v1/trunks/t1");
  EXPECT_TRUE(got.json.as_object().contains("sync"));
  Answer then = Expect(200, "GET", "/v1/trunks/t1?at=1");
  EXPECT_FALSE(then.json.as_object().contains("sync"));
  Expect(200, "GET", "/v1/trunks/t1?as_of=2999-01-01T00:00:00.5Z");
  Expect(404, "GET", "/v1/trunks/t1?as_of=2000-01-01");
  Expect(404, "GET", "/v1/trunks/nope");
  Expect(400, "GET", "/v1/trunks/t1?at=one", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/trunks/t1?as_of=yesterday", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/trunks/t1?as_of=2026-02-30", "", {}, Input::kAny);
  Answer page = Expect(200, "GET", "/v1/trunks?limit=1");
  ASSERT_TRUE(page.json.as_object().contains("next_cursor")) << page.body;
  Answer last = Expect(200, "GET",
                       "/v1/trunks?limit=1000&provider=twilio&account=default&cursor=" +
                           std::string(page.json.at("next_cursor").as_string()));
  EXPECT_FALSE(last.json.as_object().contains("next_cursor"));
  Expect(200, "GET", "/v1/trunks?at=1&as_of=2999-01-01");
  Expect(400, "GET", "/v1/trunks?limit=0", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/trunks?limit=1001", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/trunks?at=-1", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/trunks?as_of=2026-13-01", "", {}, Input::kAny);

  // Change.
  Answer changed = Expect(200, "PATCH", "/v1/trunks/t1",
                          R"({"fields":{"friendly_name":"Two","secure":true,"cnam_lookup_enabled":)"
                          R"(false},"reason":"rename"})",
                          {{"If-Match", "\"1\""}, {"X-Reason", "ignored: the body's wins"}});
  EXPECT_EQ(changed.json.at("version"), json::value(2));
  Answer same = Expect(200, "PATCH", "/v1/trunks/t1", R"({"fields":{"friendly_name":"Two"}})");
  EXPECT_EQ(same.json.at("changed"), json::value(false));
  Expect(409, "PATCH", "/v1/trunks/t1", R"({"fields":{"friendly_name":"Three"}})",
         {{"If-Match", "\"1\""}});
  Expect(400, "PATCH", "/v1/trunks/t1", R"({"fields":{"friendly_name":"x"}})", {{"If-Match", "x"}},
         Input::kBad);
  Expect(400, "PATCH", "/v1/trunks/t1", R"({"reason":"no fields"})", {}, Input::kBad);
  Expect(400, "PATCH", "/v1/trunks/t1", R"({"fields":{"secure":{}}})", {}, Input::kBad);
  Expect(400, "PATCH", "/v1/trunks/t1", R"({"fields":{"secure":true},"reason":1})", {},
         Input::kBad);
  Expect(400, "PATCH", "/v1/trunks/t1", "nope", {}, Input::kBad);
  Expect(422, "PATCH", "/v1/trunks/t1", R"({"fields":{}})");
  Expect(422, "PATCH", "/v1/trunks/t1", R"({"fields":{"transfer_mode":"sometimes"}})");
  Expect(422, "PATCH", "/v1/trunks/t1", R"({"fields":{"no_such_field":"x"}})");
  Expect(404, "PATCH", "/v1/trunks/nope", R"({"fields":{"friendly_name":"x"}})");

  // Delete.
  ASSERT_EQ(Call("POST", "/v1/trunks", CreateBody("t2", "two.pstn.twilio.com")).status, 201);
  Expect(409, "DELETE", "/v1/trunks/t2", "", {{"If-Match", "\"7\""}});
  Expect(400, "DELETE", "/v1/trunks/t2", "", {{"If-Match", "seven"}}, Input::kBad);
  Expect(400, "DELETE", "/v1/trunks/t2", R"({"reason":false})", {}, Input::kBad);
  Expect(400, "DELETE", "/v1/trunks/t2", "{", {}, Input::kBad);
  Answer deleted = Expect(200, "DELETE", "/v1/trunks/t2", R"({"reason":"gone"})",
                          {{"Idempotency-Key", "del-t2"}});
  EXPECT_EQ(deleted.json.at("deleted"), json::value(true));
  Expect(200, "DELETE", "/v1/trunks/t2", "", {{"Idempotency-Key", "del-t2"}});  // replayed
  Expect(412, "DELETE", "/v1/trunks/t2");
  Expect(412, "PATCH", "/v1/trunks/t2", R"({"fields":{"friendly_name":"x"}})");
  Expect(404, "DELETE", "/v1/trunks/nope");
  Answer gone = Expect(200, "GET", "/v1/trunks/t2");
  EXPECT_EQ(gone.json.at("deleted"), json::value(true));
}

void OpenApiTest::SubResources() {
  const std::string t = "/v1/trunks/t1";
  // A collection: add, change, remove.
  Expect(200, "POST", t + "/origination_urls", kOrigination, {{"X-Reason", "route"}});
  Expect(409, "POST", t + "/origination_urls", kOrigination);
  Expect(400, "POST", t + "/origination_urls", R"({"fields":{"weight":1}})", {}, Input::kBad);
  Expect(400, "POST", t + "/origination_urls", R"({"id":5})", {}, Input::kBad);
  Expect(400, "POST", t + "/origination_urls", R"({"id":"b","fields":{"weight":[]}})", {},
         Input::kBad);
  Expect(422, "POST", t + "/origination_urls",
         R"({"id":"b","fields":{"sip_url":"http://x","weight":10,"priority":10,)"
         R"("enabled":true,"friendly_name":"b"}})");
  Expect(404, "POST", t + "/nope", R"({"id":"x"})");
  Expect(404, "POST", "/v1/trunks/nope/origination_urls", kOrigination);
  Expect(409, "POST", t + "/origination_urls", kOrigination, {{"If-Match", "\"1\""}});
  Expect(200, "PATCH", t + "/origination_urls/main", R"({"fields":{"weight":20}})",
         {{"Idempotency-Key", "w20"}});
  Expect(409, "PATCH", t + "/origination_urls/main", R"({"fields":{"weight":21}})",
         {{"If-Match", "\"1\""}});
  Expect(400, "PATCH", t + "/origination_urls/main", R"({"weight":21})", {}, Input::kBad);
  Expect(400, "PATCH", t + "/origination_urls/main", R"({"fields":{"weight":2}})",
         {{"If-Match", ""}}, Input::kBad);
  Expect(422, "PATCH", t + "/origination_urls/main", R"({"fields":{"weight":0}})");
  Expect(404, "PATCH", t + "/origination_urls/other", R"({"fields":{"weight":2}})");
  Expect(405, "PATCH", t + "/phone_numbers/" + kPn1, R"({"fields":{"id":"x"}})");
  Expect(405, "PATCH", t + "/recording/mode", R"({"fields":{"mode":"x"}})");
  // A singleton: changed in place.
  Expect(200, "PATCH", t + "/recording", R"({"fields":{"mode":"record-from-answer"}})");
  Expect(422, "PATCH", t + "/recording", R"({"fields":{"mode":"always"}})");
  Expect(409, "PATCH", t + "/recording", R"({"fields":{"mode":"do-not-record"}})",
         {{"If-Match", "1"}});
  Expect(400, "PATCH", t + "/recording", R"({})", {}, Input::kBad);
  Expect(404, "PATCH", t + "/nope", R"({"fields":{"a":1}})");
  Expect(405, "POST", t + "/recording", R"({"id":"x"})");
  Expect(405, "PATCH", t + "/phone_numbers", R"({"fields":{}})");
  Expect(405, "PATCH", t + "/origination_urls", R"({"fields":{"weight":1}})");
  // Attachments: attach, detach; an id one trunk of the account may hold.
  Expect(200, "POST", t + "/phone_numbers", std::string(R"({"id":")") + kPn1 + R"("})");
  Expect(409, "POST", t + "/phone_numbers", std::string(R"({"id":")") + kPn1 + R"("})");
  Expect(422, "POST", t + "/phone_numbers", R"({"id":"not-a-sid"})");
  Expect(400, "POST", t + "/phone_numbers", R"({"id":""})", {}, Input::kBad);
  ASSERT_EQ(Call("POST", "/v1/trunks", CreateBody("t3", "three.pstn.twilio.com")).status, 201);
  Answer taken = Expect(412, "POST", "/v1/trunks/t3/phone_numbers",
                        std::string(R"({"id":")") + kPn1 + R"("})");
  EXPECT_THAT(std::string(taken.json.at("error").at("message").as_string()),
              HasSubstr("detach it there first"));
  Expect(200, "POST", t + "/phone_numbers", std::string(R"({"id":")") + kPn2 + R"("})");
  Expect(200, "DELETE", t + "/phone_numbers/" + kPn2, R"({"reason":"returned"})");
  Expect(404, "DELETE", t + "/phone_numbers/" + kPn2);
  Expect(409, "DELETE", t + "/phone_numbers/" + kPn1, "", {{"If-Match", "\"2\""}});
  Expect(400, "DELETE", t + "/phone_numbers/" + kPn1, "", {{"If-Match", "two"}}, Input::kBad);
  Expect(405, "DELETE", t + "/recording/mode");
  Expect(404, "DELETE", t + "/nope/x");
  Expect(404, "DELETE", "/v1/trunks/nope/origination_urls/main");
  Expect(200, "DELETE", t + "/origination_urls/main");
  Expect(404, "DELETE", t + "/origination_urls/main");
  // On a deleted trunk, nothing.
  ASSERT_EQ(Call("DELETE", "/v1/trunks/t3").status, 200);
  const std::string t3 = "/v1/trunks/t3";
  Expect(412, "POST", t3 + "/origination_urls", kOrigination);
  Expect(412, "PATCH", t3 + "/recording", R"({"fields":{"mode":"do-not-record"}})");
  Expect(412, "PATCH", t3 + "/origination_urls/main", R"({"fields":{"weight":2}})");
  Expect(412, "DELETE", t3 + "/phone_numbers/" + kPn1);
  Expect(404, "PATCH", "/v1/trunks/nope/recording", R"({"fields":{"mode":"x"}})");
  Expect(404, "PATCH", "/v1/trunks/nope/origination_urls/main", R"({"fields":{"weight":2}})");
}

void OpenApiTest::HistoryAndAudit() {
  CheckHistory(Expect(200, "GET", "/v1/trunks/t1/history"));
  Expect(404, "GET", "/v1/trunks/nope/history");
  Expect(200, "GET", "/v1/trunks/t1/diff?from=1&to=2");
  Answer diff = Expect(200, "GET", "/v1/trunks/t1/diff?from=2000-01-01&to=2999-01-01T00:00:00Z");
  EXPECT_FALSE(diff.json.at("changes").as_array().empty());
  for (const json::value& change : diff.json.at("changes").as_array()) {
    EXPECT_TRUE(change.at("old").is_null()) << json::serialize(change);  // it did not exist
  }
  Expect(404, "GET", "/v1/trunks/nope/diff?from=1&to=2");
  Expect(400, "GET", "/v1/trunks/t1/diff?from=1", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/trunks/t1/diff?from=first&to=2", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/trunks/t1/diff?from=1&to=2026-02-30", "", {}, Input::kAny);

  Answer events = Expect(200, "GET", "/v1/events");
  CheckRecords(events);
  Answer some = Expect(200, "GET", "/v1/events?from=2&limit=2");
  EXPECT_EQ(std::count(some.body.begin(), some.body.end(), '\n'), 2);
  Answer none = Expect(200, "GET", "/v1/events?from=100000");
  EXPECT_EQ(none.body, "");
  Expect(400, "GET", "/v1/events?from=0", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/events?limit=10001", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/events?limit=ten", "", {}, Input::kBad);

  RawAnswer stream = Stream("/v1/events/stream?after=2", {}, 3);
  EXPECT_EQ(stream.status, 200);
  ASSERT_GE(EventData(stream.body).size(), 3u) << stream.body;
  EXPECT_EQ(EventData(stream.body)[0].at("position"), json::value(3));
  RawAnswer resumed = Stream("/v1/events/stream", {{"Last-Event-ID", "4"}}, 1);
  ASSERT_FALSE(EventData(resumed.body).empty());
  EXPECT_EQ(EventData(resumed.body)[0].at("position"), json::value(5));
  Expect(400, "GET", "/v1/events/stream?after=x", "", {}, Input::kBad);

  Answer verified = Expect(200, "GET", "/v1/journal/verify");
  EXPECT_EQ(verified.json.at("records"), verified.json.at("last_position"));
  EXPECT_GT(verified.json.at("records").to_number<uint64_t>(), 10u);
  Expect(400, "GET", "/v1/events/stream", "", {{"Last-Event-ID", "abc"}}, Input::kBad);
}

void OpenApiTest::SyncWithoutTheWorker() {
  Answer sync = Expect(200, "GET", "/v1/trunks/t1/sync");
  EXPECT_EQ(sync.json.at("state"), json::value("pending"));
  Expect(404, "GET", "/v1/trunks/nope/sync");
  Expect(412, "GET", "/v1/trunks/t1/sync/plan");
  Expect(412, "GET", "/v1/sync/plan");
  Expect(202, "POST", "/v1/trunks/t1/sync/retry");
  Expect(404, "POST", "/v1/trunks/nope/sync/retry");
  Expect(200, "PUT", "/v1/trunks/t1/sync/policy", R"({"drift":"report"})");
  Expect(400, "PUT", "/v1/trunks/t1/sync/policy", R"({"drift":"sometimes"})", {}, Input::kBad);
  Expect(400, "PUT", "/v1/trunks/t1/sync/policy", R"({})", {}, Input::kBad);
  Expect(400, "PUT", "/v1/trunks/t1/sync/policy", R"(["report"])", {}, Input::kBad);
  Expect(404, "PUT", "/v1/trunks/nope/sync/policy", R"({"drift":"correct"})");
  Answer overview = Expect(200, "GET", "/v1/sync");
  EXPECT_EQ(overview.json.at("worker"), json::parse(R"({"running":false})"));
  Answer first = Expect(200, "GET", "/v1/sync?state=pending,failed&provider=twilio&limit=1");
  EXPECT_EQ(first.json.at("trunks").as_array().size(), 1u);
  Expect(400, "GET", "/v1/sync?state=pending,stuck", "", {}, Input::kBad);
  Expect(400, "GET", "/v1/sync?limit=0", "", {}, Input::kBad);
  Expect(412, "POST", "/v1/import", R"({"provider":"twilio"})");
  Expect(400, "POST", "/v1/import", R"({"account":"default"})", {}, Input::kBad);
  Expect(400, "POST", "/v1/import", R"({"provider":"twilio","account":3})", {}, Input::kBad);
  Expect(400, "POST", "/v1/import", R"({"provider":""})", {}, Input::kBad);
  // The sync records those made, checked by type.
  CheckRecords(Expect(200, "GET", "/v1/events"));
  CheckHistory(Expect(200, "GET", "/v1/trunks/t1/history"));
}

// Refusals that come before routing: no token, a read token asking for a change, a body over
// the limit. Each operation documents those that apply to it.
void OpenApiTest::RefusedBeforeTheRoute() {
  std::set<std::pair<std::string, std::string>> listed;
  for (const Operation& op : EveryOperation()) {
    listed.emplace(op.method, Spec().TemplateOf(op.target.substr(0, op.target.find('?'))));
  }
  ASSERT_EQ(listed, Spec().Operations()) << "EveryOperation() lists each operation once";
  for (const Operation& op : EveryOperation()) {
    SCOPED_TRACE(op.method + " " + op.target);
    if (op.target == "/healthz") continue;  // needs no token
    if (op.target.starts_with("/v1/events/stream")) {
      RawAnswer a = ReadStream(service_->port(), op.target, {}, 0, std::chrono::seconds(2));
      EXPECT_EQ(a.status, 401);
      seen_.emplace("GET", "/v1/events/stream", a.status);
      OpenApi::Headers got;
      for (const http::Header& h : a.headers) got.emplace_back(h.name, h.value);
      EXPECT_THAT(Spec().CheckAnswer("GET", "/v1/events/stream", a.status, got, a.body), IsEmpty());
      continue;
    }
    Answer none = Expect(401, op.method, op.target, op.body, {}, Input::kGood, "");
    EXPECT_EQ(http::FindHeader(none.headers, "WWW-Authenticate").value_or(""),
              "Bearer realm=\"trunkd\"");
    Expect(401, op.method, op.target, op.body, {}, Input::kGood, "not-a-token");
    if (op.method == "GET") {
      Call(op.method, op.target, "", {}, Input::kGood, kReader);  // a read token reads
      continue;
    }
    Expect(403, op.method, op.target, op.body, {}, Input::kGood, kReader);
    if (!op.body.empty() || op.method == "DELETE") {
      const std::string member =
          op.method == "POST" && op.target == "/v1/trunks" ? R"("provider":"twilio",)" : "";
      Expect(413, op.method, op.target, Oversized(member), {}, Input::kAny);
    }
  }
}

// A path the document has, with a method it does not list, is not served: 404, or 405 on
// sub-resources (whose kind decides the method), in the error shape.
void OpenApiTest::UndocumentedMethodsAreNotServed() {
  const std::set<std::pair<std::string, std::string>> operations = Spec().Operations();
  std::set<std::string> templates;
  for (const auto& [method, tmpl] : operations) templates.insert(tmpl);
  for (const std::string& tmpl : templates) {
    // Health, readiness and metrics answer whatever the method.
    if (tmpl == "/healthz" || tmpl == "/readyz" || tmpl == "/metrics") continue;
    std::string path = tmpl;
    for (const auto& [param, value] :
         std::vector<std::pair<std::string, std::string>>{{"{id}", "t1"},
                                                          {"{sub}", "origination_urls"},
                                                          {"{item}", "main"},
                                                          {"{provider}", "twilio"}}) {
      if (size_t at = path.find(param); at != std::string::npos)
        path.replace(at, param.size(), value);
    }
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
      if (operations.contains({method, tmpl})) continue;
      Answer a = Send(method, path, R"({"fields":{"weight":1}})");
      const bool sub = tmpl.find("{sub}") != std::string::npos;
      EXPECT_EQ(a.status, sub ? 405 : 404) << method << " " << path << " -> " << a.body;
      EXPECT_THAT(Spec().CheckSchema(sub ? "MethodNotAllowedError" : "NotFoundError", a.json),
                  IsEmpty())
          << method << " " << path;
    }
  }
}

void OpenApiTest::NoPlugins() {
  const std::string empty = dir_.Sub("no-plugins");
  std::filesystem::create_directories(empty);
  std::ofstream(empty + "/libtrunkline_broken.so") << "not a shared library";
  ServiceOptions options;
  options.plugin_dir = empty;
  StartOn("none", options);
  Answer ready = Expect(503, "GET", "/readyz");
  EXPECT_EQ(ready.json.at("ready"), json::value(false));
  Answer plugins = Expect(200, "GET", "/v1/plugins");
  EXPECT_EQ(plugins.json.at("plugins").as_array().size(), 0u);
  EXPECT_EQ(plugins.json.at("refused").as_array().size(), 1u) << plugins.body;
  Expect(404, "POST", "/v1/trunks", CreateBody("t1", "one.pstn.twilio.com"));
  Expect(404, "GET", "/v1/plugins/twilio/schema");
}

void OpenApiTest::RateLimited() {
  ServiceOptions options;
  options.rate_per_token = 0.001;  // one request, then none for 1000 s
  options.burst = 1;
  StartOn("limited", options);
  Expect(200, "GET", "/v1/trunks");
  Expect(200, "GET", "/healthz", "", {}, Input::kGood, "");  // never limited
  for (const Operation& op : EveryOperation()) {
    SCOPED_TRACE(op.method + " " + op.target);
    if (op.target == "/healthz") continue;  // never limited
    Answer a = Expect(429, op.method, op.target, op.body);
    const std::optional<std::string> retry_after = http::FindHeader(a.headers, "Retry-After");
    ASSERT_TRUE(retry_after.has_value());
    EXPECT_GE(std::stoi(*retry_after), 900);
  }
  // The read token has its own bucket: a GET passes once, then a change is 429 before 403.
  Expect(200, "GET", "/v1/trunks", "", {}, Input::kGood, kReader);
  Expect(429, "DELETE", "/v1/trunks/t1", "", {}, Input::kGood, kReader);
}

void OpenApiTest::Sync() {
  ServiceOptions options;
  options.sandbox = SandboxMode::kOn;
  options.drift_interval = std::chrono::milliseconds(300);
  StartOn("sync", options, /*sync=*/true);
  ASSERT_NE(service_->twilio_port(), 0);
  Answer ready = Expect(200, "GET", "/readyz");
  EXPECT_EQ(ready.json.at("sandbox"), json::value(true));
  Expect(201, "POST", "/v1/trunks", CreateBody("s1", "s-one.pstn.twilio.com"));
  Expect(200, "POST", "/v1/trunks/s1/origination_urls", kOrigination);
  json::value synced = WaitForSync(
      "s1",
      [](const json::value& s) {
        return s.at("state") == json::value("synced") &&
               s.at("synced_version") == s.at("desired_version");
      },
      "synced");
  Answer got = Expect(200, "GET", "/v1/trunks/s1");
  EXPECT_EQ(got.json.at("sync").at("state"), json::value("synced"));
  Expect(200, "GET", "/v1/trunks/s1/sync");
  Answer plan = Expect(200, "GET", "/v1/trunks/s1/sync/plan");
  EXPECT_EQ(plan.json.at("plans").at(0).at("converged"), json::value(true)) << plan.body;
  Expect(404, "GET", "/v1/trunks/nope/sync/plan");
  Answer all_plans = Expect(200, "GET", "/v1/sync/plan");
  EXPECT_TRUE(all_plans.json.at("plans").as_array().empty()) << all_plans.body;
  Answer overview = Expect(200, "GET", "/v1/sync");
  EXPECT_EQ(overview.json.at("worker").at("running"), json::value(true));

  // A trunk made at the provider, outside trunkline, is adopted; s1 is skipped.
  http::Response outside =
      Twilio("POST", "/v1/Trunks", "DomainName=outside.pstn.twilio.com&FriendlyName=Outside");
  EXPECT_EQ(outside.status, 201) << outside.body;
  Answer imported = Expect(200, "POST", "/v1/import", R"({"provider":"twilio"})");
  EXPECT_EQ(imported.json.at("imported").as_array().size(), 1u) << imported.body;
  EXPECT_EQ(imported.json.at("already_held").as_array().size(), 1u) << imported.body;
  Expect(404, "POST", "/v1/import", R"({"provider":"nope"})");
  Expect(404, "POST", "/v1/import", R"({"provider":"twilio","account":"nope"})");

  // Drift: the name changed at the provider is put back.
  const std::string remote(synced.at("remote_id").as_string());
  http::Response drifted = Twilio("POST", "/v1/Trunks/" + remote, "FriendlyName=Changed");
  EXPECT_EQ(drifted.status, 200) << drifted.body;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool drift_seen = false;
  while (!drift_seen && std::chrono::steady_clock::now() < until) {
    Answer history = Send("GET", "/v1/trunks/s1/history");
    for (const json::value& e : history.json.at("history").as_array()) {
      drift_seen = drift_seen || e.at("type") == json::value("SyncDriftDetected");
    }
    if (!drift_seen) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(drift_seen) << "no drift recorded within 20 s";

  // The provider failing: imports are 503; a change fails, waits, and is retried on request.
  http::Response faults = Twilio("POST", "/__emulator/faults", "errors=1");
  ASSERT_EQ(faults.status, 200) << faults.body;
  Expect(503, "POST", "/v1/import", R"({"provider":"twilio"})");
  Answer failing_plan = Expect(200, "GET", "/v1/trunks/s1/sync/plan");
  EXPECT_TRUE(failing_plan.json.at("plans").at(0).as_object().contains("error"));
  Expect(200, "PATCH", "/v1/trunks/s1", R"({"fields":{"friendly_name":"Failing"}})");
  json::value failed = WaitForSync(
      "s1", [](const json::value& s) { return s.at("state") == json::value("failed"); }, "failed");
  EXPECT_TRUE(failed.as_object().contains("next_try")) << json::serialize(failed);
  EXPECT_TRUE(failed.as_object().contains("last_error")) << json::serialize(failed);
  Expect(200, "GET", "/v1/trunks/s1/sync");
  Expect(200, "GET", "/v1/sync");
  ASSERT_EQ(Twilio("POST", "/__emulator/faults", "").status, 200);
  Expect(202, "POST", "/v1/trunks/s1/sync/retry");
  WaitForSync(
      "s1",
      [](const json::value& s) {
        return s.at("state") == json::value("synced") &&
               s.at("synced_version") == s.at("desired_version");
      },
      "synced again");
  Expect(200, "PUT", "/v1/trunks/s1/sync/policy", R"({"drift":"report"})");

  // Deleted here, then there.
  Expect(200, "DELETE", "/v1/trunks/s1");
  WaitForSync(
      "s1", [](const json::value& s) { return s.at("state") == json::value("deleted"); },
      "deleted");
  CheckHistory(Expect(200, "GET", "/v1/trunks/s1/history"));
  CheckRecords(Expect(200, "GET", "/v1/events?limit=10000"));
  RawAnswer stream = Stream("/v1/events/stream", {}, 1000, std::chrono::seconds(2));
  EXPECT_EQ(stream.status, 200);
  Expect(200, "GET", "/metrics");
}

TEST_F(OpenApiTest, EveryOperationAnswersAsTheDocumentSaysAndNothingElse) {
  ServiceOptions options;
  options.max_body_bytes = 16 * 1024;
  StartOn("data", options);
  {
    SCOPED_TRACE("trunks");
    Trunks();
  }
  {
    SCOPED_TRACE("sub-resources");
    SubResources();
  }
  {
    SCOPED_TRACE("history and audit");
    HistoryAndAudit();
  }
  {
    SCOPED_TRACE("sync without the worker");
    SyncWithoutTheWorker();
  }
  {
    SCOPED_TRACE("refused before the route");
    RefusedBeforeTheRoute();
  }
  {
    SCOPED_TRACE("undocumented methods");
    UndocumentedMethodsAreNotServed();
  }
  {
    SCOPED_TRACE("no plugins");
    NoPlugins();
  }
  {
    SCOPED_TRACE("rate limited");
    RateLimited();
  }
  {
    SCOPED_TRACE("sync");
    Sync();
  }

  // Every answer the document lists was given, and no other.
  std::set<std::tuple<std::string, std::string, int>> documented;
  for (const auto& [method, tmpl] : Spec().Operations()) {
    for (int status : Spec().Statuses(method, tmpl)) documented.emplace(method, tmpl, status);
  }
  for (const auto& [method, tmpl, status] : documented) {
    EXPECT_TRUE(seen_.contains({method, tmpl, status}))
        << "documented but never answered: " << method << " " << tmpl << " " << status;
  }
  for (const auto& [method, tmpl, status] : seen_) {
    EXPECT_TRUE(documented.contains({method, tmpl, status}))
        << "answered but not documented: " << method << " " << tmpl << " " << status;
  }
  // And every kind of record was checked against its own schema (all but SyncParked, which
  // takes a provider refusing a trunk for good).
  for (const char* type :
       {"TrunkCreated", "TrunkUpdated", "TrunkDeleted", "SubResourceItemAdded",
        "SubResourceItemUpdated", "SubResourceItemRemoved", "SingletonUpdated", "Attached",
        "Detached", "SyncCreatePending", "TrunkSynced", "SyncFailed", "SyncDriftDetected",
        "TrunkImported", "RemoteTrunkDeleted", "SyncRetryRequested", "SyncPolicySet"}) {
    EXPECT_TRUE(records_.contains(type)) << type << " was never checked";
  }
}

// The checker is as strict as the test needs: a field too many or too few, a value of the
// wrong type, a map value, an alternative matched twice or not at all.
TEST(OpenApiCheckerTest, CatchesWhatTheDocumentRefuses) {
  const OpenApi& spec = Spec();
  json::value trunk = json::parse(
      R"({"id":"t1","provider":"twilio","account":"default","version":1,"deleted":false,)"
      R"("created":"2026-11-22T14:00:00.123456Z","updated":"2026-11-22T14:00:00.123456Z",)"
      R"("fields":{"friendly_name":"x","secure":true,"weight":1},)"
      R"("sub_resources":{"recording":{"mode":"x"},"origination_urls":{"main":{"weight":1}},)"
      R"("phone_numbers":["PN1"]}})");
  EXPECT_THAT(spec.CheckSchema("Trunk", trunk), IsEmpty());
  auto problems = [&](auto mutate) {
    json::value t = trunk;
    mutate(t.as_object());
    return spec.CheckSchema("Trunk", t);
  };
  using ::testing::ElementsAre;
  EXPECT_THAT(problems([](json::object& t) { t["extra"] = 1; }),
              ElementsAre(HasSubstr("extra is not in the schema")));
  EXPECT_THAT(problems([](json::object& t) { t.erase("version"); }),
              ElementsAre(HasSubstr("version is missing")));
  EXPECT_THAT(problems([](json::object& t) { t["version"] = 0; }),
              ElementsAre(HasSubstr("below the minimum")));
  EXPECT_THAT(problems([](json::object& t) { t["version"] = "1"; }),
              ElementsAre(HasSubstr("not an integer")));
  EXPECT_THAT(problems([](json::object& t) { t["created"] = "2026-11-22 14:00:00"; }),
              Not(IsEmpty()));
  EXPECT_THAT(problems([](json::object& t) { t["fields"].as_object()["x"] = 1.5; }),
              ElementsAre(HasSubstr("matches none of oneOf")));
  EXPECT_THAT(problems([](json::object& t) { t["fields"].as_object()["x"] = nullptr; }),
              ElementsAre(HasSubstr("matches none of oneOf")));
  EXPECT_THAT(problems([](json::object& t) {
                t["sub_resources"].as_object()["phone_numbers"] = json::array{1};
              }),
              ElementsAre(HasSubstr("matches none of anyOf")));
  // A request: declared parameters only, of their type.
  EXPECT_THAT(spec.CheckRequest("GET", "/v1/trunks", {{"limit", "10"}}, {}, ""), IsEmpty());
  EXPECT_THAT(spec.CheckRequest("GET", "/v1/trunks", {{"limt", "10"}}, {}, ""),
              ElementsAre(HasSubstr("limt is not declared")));
  EXPECT_THAT(spec.CheckRequest("PATCH", "/v1/trunks/{id}", {}, {{"If-Match", "\"2\""}},
                                R"({"fields":{"a":null}})"),
              IsEmpty());
  EXPECT_THAT(spec.CheckRequest("PATCH", "/v1/trunks/{id}", {}, {{"X-Nope", "1"}}, "{}"),
              ElementsAre(HasSubstr("X-Nope is not declared"), HasSubstr("fields is missing")));
  // An answer: the status, the media type, the required headers.
  EXPECT_THAT(spec.CheckAnswer("GET", "/v1/trunks", 418, {}, ""),
              ElementsAre(HasSubstr("418 is not documented")));
  EXPECT_THAT(spec.CheckAnswer("GET", "/v1/trunks", 500, {{"Content-Type", "application/json"}},
                               R"({"error":{"code":"INTERNAL","message":"x"}})"),
              IsEmpty());
  EXPECT_THAT(spec.CheckAnswer("GET", "/v1/trunks", 429, {{"Content-Type", "application/json"}},
                               R"({"error":{"code":"RESOURCE_EXHAUSTED","message":"x"}})"),
              ElementsAre(HasSubstr("Retry-After is missing")));
  EXPECT_THAT(spec.CheckAnswer("GET", "/v1/trunks", 200, {{"Content-Type", "text/plain"}}, "{}"),
              ElementsAre(HasSubstr("not one the document lists")));
  EXPECT_THAT(spec.CheckAnswer("GET", "/v1/events", 200, {{"Content-Type", "application/x-ndjson"}},
                               "{\"position\":1}\n"),
              Not(IsEmpty()));
  EXPECT_EQ(spec.TemplateOf("/v1/trunks/t1/history"), "/v1/trunks/{id}/history");
  EXPECT_EQ(spec.TemplateOf("/v1/trunks/t1/recording"), "/v1/trunks/{id}/{sub}");
  EXPECT_EQ(spec.TemplateOf("/v1/trunks/t1/sync/plan"), "/v1/trunks/{id}/sync/plan");
  EXPECT_EQ(spec.TemplateOf("/v1/trunks/t1/phone_numbers/PN1"), "/v1/trunks/{id}/{sub}/{item}");
}

}  // namespace
}  // namespace trunkline::trunkd::testing
