// trunkd's API over real HTTP on 127.0.0.1: commands, reads, auth, errors and limits, the
// audit trail and metrics.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

#include "trunkd_fixture.h"
#include "trunkline/base/sha256.h"

namespace trunkline::trunkd::testing {
namespace {

using ::testing::HasSubstr;

const char* kCreate =
    R"({"provider":"twilio","id":"t1","fields":{"friendly_name":"One","domain_name":"one.pstn.twilio.com"}})";

std::string Field(const Answer& a, const char* name) {
  const auto* v = a.json.is_object() ? a.json.as_object().if_contains(name) : nullptr;
  if (v == nullptr) return "";
  return v->is_string() ? std::string(v->as_string()) : boost::json::serialize(*v);
}

std::string ErrorField(const Answer& a, const char* name) {
  if (!a.json.is_object() || !a.json.as_object().contains("error")) return "";
  const auto& e = a.json.at("error").as_object();
  const auto* v = e.if_contains(name);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

TEST_F(TrunkdTest, HealthNeedsNoTokenAndEverythingElseDoes) {
  StartService();
  EXPECT_EQ(Send("GET", "/healthz", "", {}, "").status, 200);
  Answer none = Send("GET", "/v1/trunks", "", {}, "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(ErrorField(none, "code"), "UNAUTHENTICATED");
  EXPECT_EQ(Send("GET", "/v1/trunks", "", {}, "wrong-token").status, 401);
  EXPECT_EQ(Send("GET", "/metrics", "", {}, "").status, 401);
  EXPECT_EQ(Send("GET", "/v1/trunks").status, 200);
}

TEST_F(TrunkdTest, AReadTokenReadsButCannotChangeAnything) {
  const std::string path = dir_.Sub("tokens");
  {
    std::ofstream out(path);
    out << "# name role hash\n"
        << "reader read " << ToHex(Sha256Of("r-token")) << "\n"
        << "ops write " << ToHex(Sha256Of("w-token")) << "\n";
  }
  ServiceOptions options;
  options.tokens_file = path;
  StartService(options);
  Answer denied = Send("POST", "/v1/trunks", kCreate, {}, "r-token");
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(ErrorField(denied, "message"), HasSubstr("read role"));
  Answer created = Send("POST", "/v1/trunks", kCreate, {}, "w-token");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Send("GET", "/v1/trunks/t1", "", {}, "r-token").status, 200);
  // The token's name is the actor.
  Answer history = Send("GET", "/v1/trunks/t1/history", "", {}, "r-token");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.json.at("history").at(0).at("actor").as_string(), "ops");
  EXPECT_EQ(Send("GET", "/v1/trunks", "", {}, "test-token").status, 401);  // file only
}

TEST_F(TrunkdTest, ATokensFileThatBreaksARuleStopsTheStartNamingLineAndRule) {
  const std::string path = dir_.Sub("tokens");
  {
    std::ofstream out(path);
    out << "ops admin " << ToHex(Sha256Of("x")) << "\n";
  }
  ServiceOptions options;
  options.tokens_file = path;
  options.data_dir = dir_.Sub("data");
  options.port = 0;
  options.sync = false;
  auto started = Service::Start(options, log_);
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(started.status().message(), HasSubstr("line 1: role: must be read or write"));
}

TEST_F(TrunkdTest, CreateGetUpdateDeleteWithTheShapeOfTrunkctl) {
  StartService();
  Answer created = Send("POST", "/v1/trunks", kCreate, {{"X-Reason", "ticket 7"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Field(created, "id"), "t1");
  EXPECT_EQ(Field(created, "version"), "1");
  EXPECT_EQ(created.json.at("fields").at("friendly_name").as_string(), "One");
  Answer got = Send("GET", "/v1/trunks/t1");
  ASSERT_EQ(got.status, 200);
  for (const char* key : {"id", "provider", "account", "version", "deleted", "created", "updated",
                          "fields", "sub_resources", "sync"}) {
    EXPECT_TRUE(got.json.as_object().contains(key)) << key;
  }
  Answer updated = Send("PATCH", "/v1/trunks/t1", R"({"fields":{"friendly_name":"Two"}})",
                        {{"If-Match", "\"1\""}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Field(updated, "version"), "2");
  // A stale version is a conflict that names both versions; nothing is written.
  Answer stale = Send("PATCH", "/v1/trunks/t1", R"({"fields":{"friendly_name":"Three"}})",
                      {{"If-Match", "\"1\""}});
  EXPECT_EQ(stale.status, 409);
  EXPECT_THAT(ErrorField(stale, "message"), HasSubstr("version 2, expected 1"));
  Answer history = Send("GET", "/v1/trunks/t1/history");
  ASSERT_EQ(history.json.at("history").as_array().size(), 2u);
  EXPECT_EQ(history.json.at("history").at(0).at("reason").as_string(), "ticket 7");
  Answer deleted = Send("DELETE", "/v1/trunks/t1");
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(Field(deleted, "deleted"), "true");
  // A deleted trunk still reads (as trunkctl shows it), marked deleted, and leaves the list.
  EXPECT_EQ(Field(Send("GET", "/v1/trunks/t1"), "deleted"), "true");
  EXPECT_EQ(Send("GET", "/v1/trunks").json.at("trunks").as_array().size(), 0u);
  EXPECT_EQ(Send("GET", "/v1/trunks/t9").status, 404);
  // As of position 2 it existed, with its second name.
  Answer then = Send("GET", "/v1/trunks/t1?at=2");
  ASSERT_EQ(then.status, 200) << then.body;
  EXPECT_EQ(then.json.at("fields").at("friendly_name").as_string(), "Two");
  Answer diff = Send("GET", "/v1/trunks/t1/diff?from=1&to=2");
  ASSERT_EQ(diff.status, 200) << diff.body;
  ASSERT_EQ(diff.json.at("changes").as_array().size(), 1u);
  EXPECT_EQ(diff.json.at("changes").at(0).at("path").as_string(), "fields.friendly_name");
}

TEST_F(TrunkdTest, AnIdempotencyKeyRetryGetsTheOriginalAnswerAndWritesNothing) {
  StartService();
  Answer first = Send("POST", "/v1/trunks", kCreate, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(first.status, 201);
  Answer again = Send("POST", "/v1/trunks", kCreate, {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(Field(again, "replayed"), "true");
  EXPECT_EQ(Field(again, "position"), Field(first, "position"));
  Answer events = Send("GET", "/v1/events?from=1");
  size_t lines = 0;
  for (char c : events.body) lines += c == '\n';
  EXPECT_EQ(lines, 1u);
  // Without the key, the same body is a new command: the trunk exists already.
  EXPECT_EQ(Send("POST", "/v1/trunks", kCreate).status, 409);
}

// Verify beside the commands of other clients: intact every time, and the commands go on
// being taken (a verify that took appends landing meanwhile for damage stopped trunkd from
// taking any more).
TEST_F(TrunkdTest, VerifyWhileCommandsArriveIsIntactAndStopsNothing) {
  StartService();
  ASSERT_EQ(Send("POST", "/v1/trunks", kCreate).status, 201);
  std::atomic<bool> stop{false};
  std::atomic<int> accepted{0};
  std::vector<std::string> refusals;
  std::thread writer([&] {
    http::Client client(http::ClientOptions{"127.0.0.1", service_->port()});
    for (int i = 0; !stop.load() && i < 20000; ++i) {
      const std::string body = R"({"fields":{"friendly_name":"n)" + std::to_string(i) + R"("}})";
      Result<http::Response> r = client.Send(http::Request{
          "PATCH",
          "/v1/trunks/t1",
          {{"Authorization", "Bearer test-token"}, {"Content-Type", "application/json"}},
          body});
      if (!r.ok() || r->status != 200) {
        refusals.push_back(r.ok() ? std::to_string(r->status) + " " + r->body
                                  : r.status().ToString());
        return;
      }
      ++accepted;
    }
  });
  int verified = 0;
  std::string failed_verify;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while ((std::chrono::steady_clock::now() < deadline || verified < 10) && verified < 1000) {
    Answer v = Send("GET", "/v1/journal/verify");
    if (v.status != 200) {
      failed_verify = "verify " + std::to_string(verified + 1) + ": " + v.body;
      break;
    }
    ++verified;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(failed_verify, "");
  EXPECT_TRUE(refusals.empty()) << refusals.front();
  EXPECT_GT(accepted.load(), 0);
  Answer after = Send("PATCH", "/v1/trunks/t1", R"({"fields":{"friendly_name":"after"}})");
  EXPECT_EQ(after.status, 200) << after.body;
}

TEST_F(TrunkdTest, SubResourcesByTheirKind) {
  StartService();
  ASSERT_EQ(Send("POST", "/v1/trunks", kCreate).status, 201);
  Answer added = Send("POST", "/v1/trunks/t1/origination_urls",
                      R"({"id":"main","fields":{"sip_url":"sip:a@example.com","weight":10,)"
                      R"("priority":10,"enabled":true,"friendly_name":"m"}})");
  ASSERT_EQ(added.status, 200) << added.body;
  Answer item = Send("PATCH", "/v1/trunks/t1/origination_urls/main", R"({"fields":{"weight":20}})");
  ASSERT_EQ(item.status, 200) << item.body;
  EXPECT_EQ(item.json.at("sub_resources").at("origination_urls").at("main").at("weight").as_int64(),
            20);
  Answer set =
      Send("PATCH", "/v1/trunks/t1/recording", R"({"fields":{"mode":"record-from-answer"}})");
  ASSERT_EQ(set.status, 200) << set.body;
  Answer attached =
      Send("POST", "/v1/trunks/t1/phone_numbers", R"({"id":"PN0123456789abcdef0123456789abcdef"})");
  ASSERT_EQ(attached.status, 200) << attached.body;
  EXPECT_EQ(Send("DELETE", "/v1/trunks/t1/phone_numbers/PN0123456789abcdef0123456789abcdef").status,
            200);
  EXPECT_EQ(Send("DELETE", "/v1/trunks/t1/origination_urls/main").status, 200);
  Answer unknown = Send("POST", "/v1/trunks/t1/nope", R"({"id":"x"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(ErrorField(unknown, "message"), HasSubstr("origination_urls"));
  EXPECT_EQ(Send("PATCH", "/v1/trunks/t1/phone_numbers", R"({"fields":{}})").status, 405);
}

TEST_F(TrunkdTest, BadInputIsRefusedNamingTheFieldAndTheRuleAndNothingIsWritten) {
  StartService();
  Answer not_json = Send("POST", "/v1/trunks", "{nope");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_EQ(ErrorField(not_json, "field"), "body");
  Answer no_provider = Send("POST", "/v1/trunks", R"({"fields":{}})");
  EXPECT_EQ(no_provider.status, 400);
  EXPECT_EQ(ErrorField(no_provider, "field"), "provider");
  Answer wrong_type = Send("POST", "/v1/trunks", R"({"provider":"twilio","fields":{"a":[1]}})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(ErrorField(wrong_type, "field"), "fields.a");
  // A member the request does not take (a typo) is refused, not ignored.
  Answer typo =
      Send("POST", "/v1/trunks", R"({"provider":"twilio","field":{"friendly_name":"x"}})");
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(ErrorField(typo, "field"), "field");
  EXPECT_THAT(ErrorField(typo, "message"),
              HasSubstr("takes provider, account, id, fields, reason"));
  Answer rule = Send("POST", "/v1/trunks",
                     R"({"provider":"twilio","id":"t2","fields":{"friendly_name":"x",)"
                     R"("domain_name":"not a domain"}})");
  EXPECT_EQ(rule.status, 422) << rule.body;
  EXPECT_THAT(ErrorField(rule, "message"), HasSubstr("domain_name"));
  Answer secret = Send("POST", "/v1/trunks",
                       R"({"provider":"twilio","id":"t3","fields":{"friendly_name":"x",)"
                       R"("domain_name":"a.pstn.twilio.com","disaster_recovery_url":)"
                       R"("https://user:secret@example.com/x"}})");
  EXPECT_EQ(secret.status, 422) << secret.body;
  EXPECT_THAT(secret.body, Not(HasSubstr("secret@")));
  EXPECT_EQ(Send("GET", "/v1/trunks?limit=0").status, 400);
  EXPECT_EQ(Send("GET", "/v1/trunks/t1?as_of=2026-02-30").status, 400);
  EXPECT_EQ(Send("PATCH", "/v1/trunks/t1", R"({"fields":{}})", {{"If-Match", "x"}}).status, 400);
  EXPECT_EQ(Send("GET", "/v1/nothing").status, 404);
  EXPECT_EQ(Send("GET", "/v1/events?from=1").body, "");  // nothing written
}

TEST_F(TrunkdTest, OversizedBodiesAndHeadersAreRefusedAndTheServerGoesOn) {
  ServiceOptions options;
  options.max_body_bytes = 4096;
  StartService(options);
  Answer big = Send("POST", "/v1/trunks", std::string(8192, ' '));
  EXPECT_EQ(big.status, 413);
  client_ = std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", service_->port()});
  Answer header = Send("GET", "/v1/trunks", "", {{"X-Big", std::string(20000, 'a')}});
  EXPECT_EQ(header.status, 431);
  client_ = std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", service_->port()});
  EXPECT_EQ(Send("GET", "/v1/trunks").status, 200);
}

TEST_F(TrunkdTest, ListsArePagedWithACursorAndFiltered) {
  StartService();
  for (int i = 0; i < 25; ++i) {
    char id[8];
    std::snprintf(id, sizeof id, "t%02d", i);
    const std::string body = std::string(R"({"provider":"twilio","id":")") + id +
                             R"(","account":")" + (i % 2 ? "a" : "b") +
                             R"(","fields":{"friendly_name":"x","domain_name":")" + id +
                             R"(.pstn.twilio.com"}})";
    ASSERT_EQ(Send("POST", "/v1/trunks", body).status, 201);
  }
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    Answer a = Send("GET", "/v1/trunks?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(a.status, 200);
    for (const auto& t : a.json.at("trunks").as_array()) seen.emplace_back(t.at("id").as_string());
    if (!a.json.as_object().contains("next_cursor")) break;
    cursor = a.json.at("next_cursor").as_string();
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 25u);
  Answer a = Send("GET", "/v1/trunks?account=a&limit=1000");
  EXPECT_EQ(a.json.at("trunks").as_array().size(), 12u);
  EXPECT_EQ(Send("GET", "/v1/trunks?provider=plivo").json.at("trunks").as_array().size(), 0u);

  // Sync statuses page the same way, and filter by state too (no worker: all pending).
  std::vector<std::string> statuses;
  cursor.clear();
  for (int page = 0; page < 10; ++page) {
    Answer s = Send("GET", "/v1/sync?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(s.status, 200);
    for (const auto& t : s.json.at("trunks").as_array()) {
      statuses.emplace_back(t.at("id").as_string());
    }
    if (!s.json.as_object().contains("next_cursor")) break;
    cursor = s.json.at("next_cursor").as_string();
  }
  EXPECT_EQ(statuses, seen);
  const auto count = [&](const std::string& query) {
    return Send("GET", "/v1/sync?" + query).json.at("trunks").as_array().size();
  };
  EXPECT_EQ(count("state=pending&account=a"), 12u);
  EXPECT_EQ(count("state=synced,parked"), 0u);
  EXPECT_EQ(count("state=failed,pending&provider=twilio&cursor=t20"), 4u);
  EXPECT_EQ(Send("GET", "/v1/sync").json.at("trunks").as_array().size(), 25u);
  Answer bad = Send("GET", "/v1/sync?state=pending,stuck");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("state: must be a comma-separated list of pending"));
  EXPECT_EQ(Send("GET", "/v1/sync?limit=1001").status, 400);
}

// Reads the live stream from `after` on a raw socket for up to `wait`, stopping once `want`
// events came; returns the ids in order.
std::vector<uint64_t> StreamIds(uint16_t port, const std::string& last_event_id, size_t want,
                                std::chrono::milliseconds wait) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<uint64_t> ids;
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) return ids;
  const std::string request =
      "GET /v1/events/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
      "test-token\r\nLast-Event-ID: " +
      last_event_id + "\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  timeval tv{0, 100'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  const auto until = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < until) {
    char buf[4096];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) break;
    if (n > 0) got.append(buf, static_cast<size_t>(n));
    ids.clear();
    static const std::regex kId("\nid: (\\d+)\n");
    for (auto it = std::sregex_iterator(got.begin(), got.end(), kId); it != std::sregex_iterator();
         ++it) {
      ids.push_back(std::stoull((*it)[1]));
    }
    if (ids.size() >= want) break;
  }
  close(fd);
  return ids;
}

TEST_F(TrunkdTest, TheAuditStreamResumesFromALastIdWithNoGapAndNoRepeat) {
  StartService();
  ASSERT_EQ(Send("POST", "/v1/trunks", kCreate).status, 201);
  for (int i = 0; i < 9; ++i) {
    ASSERT_EQ(Send("PATCH", "/v1/trunks/t1",
                   R"({"fields":{"friendly_name":"n)" + std::to_string(i) + R"("}})")
                  .status,
              200);
  }
  std::vector<uint64_t> first = StreamIds(service_->port(), "0", 4, std::chrono::seconds(10));
  ASSERT_GE(first.size(), 4u);
  first.resize(4);
  EXPECT_EQ(first, (std::vector<uint64_t>{1, 2, 3, 4}));
  // Resumed after 4: 5..10, and a command made meanwhile arrives live.
  std::vector<uint64_t> rest;
  std::thread reader([&] { rest = StreamIds(service_->port(), "4", 7, std::chrono::seconds(10)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  http::Client other(http::ClientOptions{"127.0.0.1", service_->port()});
  auto live = other.Send(
      http::Request{"DELETE", "/v1/trunks/t1", {{"Authorization", "Bearer test-token"}}, ""});
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->status, 200);
  reader.join();
  EXPECT_EQ(rest, (std::vector<uint64_t>{5, 6, 7, 8, 9, 10, 11}));
  // The page form: JSON Lines from a position.
  Answer page = Send("GET", "/v1/events?from=10&limit=5");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("\"position\":10,"));
  EXPECT_THAT(page.body, HasSubstr("\"position\":11,"));
}

TEST_F(TrunkdTest, MetricsAreValidPrometheusTextWithTheFiguresAnOperatorWatches) {
  StartService();
  ASSERT_EQ(Send("POST", "/v1/trunks", kCreate).status, 201);
  EXPECT_EQ(Send("POST", "/v1/trunks", kCreate).status, 409);
  Answer m = Send("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  // Every line is a comment (# HELP / # TYPE) or `name{labels} value`.
  static const std::regex kSample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+|[+-]Inf|NaN$)");
  std::istringstream lines(m.body);
  std::string line;
  size_t samples = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, kSample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 10u);
  EXPECT_THAT(m.body, HasSubstr("trunkline_commands_total{result=\"ok\"} 1\n"));
  EXPECT_THAT(m.body, HasSubstr("trunkline_commands_total{result=\"ALREADY_EXISTS\"} 1\n"));
  EXPECT_THAT(m.body, HasSubstr("trunkline_journal_position 1"));
  EXPECT_THAT(m.body, HasSubstr("trunkline_append_duration_seconds_count 1\n"));
  EXPECT_THAT(m.body, HasSubstr("trunkline_projection_lag_events"));
}

TEST_F(TrunkdTest, OverItsRateATokenGets429WithRetryAfter) {
  ServiceOptions options;
  options.rate_per_token = 1;
  options.burst = 3;
  StartService(options);
  int ok = 0, limited = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    Answer a = Send("GET", "/v1/trunks");
    if (a.status == 200) ++ok;
    if (a.status == 429) {
      ++limited;
      retry_after = http::FindHeader(a.headers, "Retry-After").value_or("");
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(limited, 3);
  EXPECT_EQ(retry_after, "1");
}

TEST_F(TrunkdTest, ASecondTrunkdOnTheSameDataDirIsRefusedByName) {
  StartService();
  ServiceOptions options;
  options.data_dir = dir_.Sub("data");
  options.port = 0;
  options.sync = false;
  options.lock_wait = std::chrono::milliseconds(0);
  options.environment = sync::MapEnvironment({{"TRUNKLINE_TOKEN", "x"}});
  auto second = Service::Start(options, log_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(), HasSubstr("pid " + std::to_string(getpid())));
}

TEST_F(TrunkdTest, WithNoTokenConfiguredOneIsMadeInTheDataDirReadableByItsOwnerOnly) {
  ServiceOptions options;
  options.environment = sync::MapEnvironment({});
  StartService(options);
  const std::string path = service_->token_file();
  ASSERT_EQ(path, dir_.Sub("data") + "/api-token");
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  EXPECT_EQ(token.size(), 64u);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_EQ(Send("GET", "/v1/trunks", "", {}, token).status, 200);
}

}  // namespace
}  // namespace trunkline::trunkd::testing
