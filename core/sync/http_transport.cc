#include "trunkline/sync/http_transport.h"

#include "trunkline/http/provider_client.h"

namespace trunkline::sync {
namespace {

class ProviderTransport : public Transport {
 public:
  explicit ProviderTransport(std::unique_ptr<http::ProviderClient> client)
      : client_(std::move(client)) {}

  void AsyncSend(const std::string& base_url, http::Request request,
                 std::function<void(Result<http::Response>)> done) override {
    client_->AsyncSend(base_url, std::move(request), std::move(done));
  }

 private:
  std::unique_ptr<http::ProviderClient> client_;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeHttpTransport(const HttpTransportOptions& options) {
  http::ProviderClientOptions client;
  client.timeout = options.timeout;
  client.max_connections_per_host = options.max_connections_per_host;
  client.ca_file = options.ca_file;
  client.user_agent = "trunkline-sync";
  TRUNKLINE_ASSIGN_OR_RETURN(std::unique_ptr<http::ProviderClient> created,
                             http::ProviderClient::Create(std::move(client)));
  return std::unique_ptr<Transport>(new ProviderTransport(std::move(created)));
}

}  // namespace trunkline::sync
