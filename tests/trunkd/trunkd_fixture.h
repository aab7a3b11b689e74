// A trunkd Service started in process on 127.0.0.1 (any free port) over a fresh data dir,
// with the built plugins, and a client that sends it requests with a token.
//
// Thread-safety: one test owns it; Send is not thread-safe (one connection).
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <string>

#include "service.h"
#include "testutil/temp_dir.h"
#include "trunkline/http/http.h"
#include "trunkline/sync/accounts.h"

namespace trunkline::trunkd::testing {

struct Answer {
  int status = 0;
  std::vector<http::Header> headers;
  std::string body;
  boost::json::value json;  // null when the body is not JSON
};

class TrunkdTest : public ::testing::Test {
 protected:
  // Starts trunkd with `options` filled in around data_dir and port (sync off unless asked:
  // most tests are about the API). The token is "test-token" (TRUNKLINE_TOKEN, a write token
  // named env) unless options.tokens_file is set.
  void StartService(ServiceOptions options = {}, bool sync = false) {
    options.data_dir = dir_.Sub("data");
    options.port = 0;
    options.sync = sync;
    if (!options.environment) {
      options.environment = sync::MapEnvironment({{"TRUNKLINE_TOKEN", "test-token"}});
    }
    auto started = Service::Start(options, log_);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    service_ = std::move(*started);
    client_ = std::make_unique<http::Client>(http::ClientOptions{"127.0.0.1", service_->port()});
  }
  void TearDown() override {
    client_.reset();
    if (service_) service_->Shutdown(std::chrono::milliseconds(2000));
  }

  Answer Send(const std::string& method, const std::string& target, const std::string& body = "",
              std::map<std::string, std::string> headers = {},
              const std::string& token = "test-token") {
    http::Request request{method, target, {}, body};
    if (!token.empty()) request.headers.push_back({"Authorization", "Bearer " + token});
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    for (const auto& [k, v] : headers) request.headers.push_back({k, v});
    Result<http::Response> r = client_->Send(request);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.status().ToString();
    Answer a;
    if (!r.ok()) return a;
    a.status = r->status;
    a.headers = r->headers;
    a.body = r->body;
    boost::system::error_code ec;
    a.json = boost::json::parse(a.body, ec);
    if (ec) a.json = nullptr;
    return a;
  }

  trunkline::testing::TempDir dir_{"trunkd-test"};
  Log log_{LogFormat::kJson};
  std::unique_ptr<Service> service_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace trunkline::trunkd::testing
