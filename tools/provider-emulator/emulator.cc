#include "emulator.h"

#include <algorithm>
#include <cmath>

#include "common.h"

namespace trunkline::emulator {
namespace json = boost::json;
namespace {

constexpr std::string_view kAdminPrefix = "/__emulator/";

bool Changes(const std::string& method) {
  return method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE";
}

// An error answer in the provider's own shape.
http::Response ProviderError(const std::string& provider, int status, int twilio_code,
                             const std::string& message) {
  if (provider == "telnyx") {
    // docs/telnyx.md §2.2, §2.3: 10011 for 429; 10007 (unexpected error) otherwise.
    const std::string code = status == 429 ? "10011" : "10007";
    json::object error{
        {"code", code},
        {"title", message},
        {"detail", status == 429 ? "Too many requests; retry later" : message},
        {"meta",
         json::object{{"url", "https://developers.telnyx.com/docs/overview/errors/" + code}}}};
    return JsonResponse(status, json::object{{"errors", json::array{std::move(error)}}});
  }
  if (provider == "twilio") {
    return JsonResponse(status, json::object{{"code", twilio_code},
                                             {"message", message},
                                             {"more_info", "https://www.twilio.com/docs/errors/" +
                                                               std::to_string(twilio_code)},
                                             {"status", status}});
  }
  return JsonResponse(status, json::object{{"api_id", "emulator-fault"}, {"error", message}});
}

}  // namespace

struct Emulator::Impl {
  explicit Impl(EmulatorOptions o)
      : options(std::move(o)),
        twilio(WithSeed(options.twilio, options.seed)),
        plivo(WithSeed(options.plivo, options.seed)),
        telnyx(WithSeed(options.telnyx, options.seed)),
        faults(options.seed, options.faults),
        log(options.request_log_bytes) {}

  template <typename Options>
  static Options WithSeed(Options o, uint64_t seed) {
    o.seed = seed;
    return o;
  }

  http::Response Serve(const std::string& provider, const http::Request& request,
                       const std::string& base_url);
  http::Response Admin(const http::Request& request);

  EmulatorOptions options;
  TwilioApi twilio;
  PlivoApi plivo;
  TelnyxApi telnyx;
  FaultInjector faults;
  RequestLog log;
  std::unique_ptr<http::Server> twilio_server, plivo_server, telnyx_server;
};

http::Response Emulator::Impl::Serve(const std::string& provider, const http::Request& request,
                                     const std::string& base_url) {
  if (request.target.starts_with(kAdminPrefix)) return Admin(request);
  std::string account;
  if (provider == "twilio") {
    account = twilio.AccountOf(request).value_or("");
  } else if (provider == "telnyx") {
    account = telnyx.AccountOf(request).value_or("");
  } else if (auto credentials = ParseBasicAuth(request.headers)) {
    account = credentials->user;
  }
  const FaultDecision fault = faults.Decide(account, Changes(request.method));
  http::Response out;
  using Kind = FaultDecision::Kind;
  switch (fault.kind) {
    case Kind::kRateLimited:
      out = ProviderError(provider, 429, 20429, "Too Many Requests");
      if (fault.retry_after_s > 0) {
        out.headers.push_back({"Retry-After", std::to_string(fault.retry_after_s)});
      }
      if (provider == "telnyx") {
        // docs/telnyx.md §2.3: the window's headers; the limit is the bucket's size.
        const FaultSpec spec = faults.spec();
        const double burst = std::max(1.0, spec.burst > 0 ? spec.burst : spec.rate);
        out.headers.push_back({"x-ratelimit-limit", std::to_string(std::lround(burst))});
        out.headers.push_back({"x-ratelimit-remaining", "0"});
        out.headers.push_back(
            {"x-ratelimit-reset", std::to_string(std::max(1, fault.retry_after_s))});
      }
      break;
    case Kind::kReset:
      out.delivery = http::Response::Delivery::kReset;
      break;
    case Kind::kError500:
      out = ProviderError(provider, 500, 20500, "Internal Server Error");
      break;
    case Kind::kError503:
      out = ProviderError(provider, 503, 20503, "Service Unavailable");
      break;
    case Kind::kNone:
    case Kind::kLost:
      out = provider == "twilio"   ? twilio.Handle(request, base_url)
            : provider == "telnyx" ? telnyx.Handle(request, base_url)
                                   : plivo.Handle(request, base_url);
      if (fault.kind == Kind::kLost) {
        if (fault.hold.count() > 0) {
          out.delay = fault.hold;
        } else {
          out.delivery = http::Response::Delivery::kDrop;
        }
      }
      break;
  }
  out.delay += fault.delay;
  log.Record(provider, request, out.delivery == http::Response::Delivery::kAnswer ? out.status : 0,
             FaultName(fault.kind));
  return out;
}

http::Response Emulator::Impl::Admin(const http::Request& request) {
  const std::string path = request.target.substr(kAdminPrefix.size());
  auto error = [](int status, const std::string& message) {
    return JsonResponse(status, json::object{{"error", message}});
  };
  if (path == "faults" && request.method == "GET") {
    return JsonResponse(200, json::object{{"faults", FormatFaults(faults.spec())}});
  }
  if (path == "faults" && request.method == "POST") {
    Result<FaultSpec> spec = ParseFaults(request.body);
    if (!spec.ok()) return error(400, spec.status().message());
    faults.set_spec(*spec);
    return JsonResponse(200, json::object{{"faults", FormatFaults(*spec)}});
  }
  if (path == "requests" && request.method == "GET") return JsonResponse(200, log.ToJson());
  if (path == "state" && request.method == "GET") {
    return JsonResponse(
        200, json::object{
                 {"twilio", twilio.Dump()}, {"plivo", plivo.Dump()}, {"telnyx", telnyx.Dump()}});
  }
  if (path == "reset" && request.method == "POST") {
    twilio.Reset();
    plivo.Reset();
    telnyx.Reset();
    faults.Reseed();
    log.Clear();
    return JsonResponse(200, json::object{{"reset", true}});
  }
  if (path == "plivo-quirks" && request.method == "POST") {
    if (request.body != "on" && request.body != "off") {
      return error(400, "plivo-quirks: body must be on or off");
    }
    plivo.set_quirks(request.body == "on");
    return JsonResponse(200, json::object{{"plivo_quirks", plivo.quirks()}});
  }
  if (path == "telnyx-quirks" && request.method == "POST") {
    if (request.body != "on" && request.body != "off") {
      return error(400, "telnyx-quirks: body must be on or off");
    }
    telnyx.set_quirks(request.body == "on");
    return JsonResponse(200, json::object{{"telnyx_quirks", telnyx.quirks()}});
  }
  return error(404, "no admin endpoint " + request.method + " " + request.target +
                        "; see GET faults|requests|state, POST "
                        "faults|reset|plivo-quirks|telnyx-quirks");
}

Emulator::Emulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Emulator::~Emulator() { Stop(); }

Result<std::unique_ptr<Emulator>> Emulator::Start(EmulatorOptions options) {
  if (options.request_log_bytes == 0) {
    return InvalidArgumentError("the request log needs a limit above 0 bytes");
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  Impl* self = impl.get();
  const EmulatorOptions& o = self->options;
  auto serve = [self](std::string provider) {
    return [self, provider](const http::Request& r) {
      // URLs in answers point back where the client reached us.
      const std::string base =
          "http://" + http::FindHeader(r.headers, "Host").value_or(self->options.bind);
      return self->Serve(provider, r, base);
    };
  };
  TRUNKLINE_ASSIGN_OR_RETURN(
      self->twilio_server,
      http::Server::Start({o.bind, o.twilio_port, o.threads}, serve("twilio")));
  TRUNKLINE_ASSIGN_OR_RETURN(
      self->plivo_server, http::Server::Start({o.bind, o.plivo_port, o.threads}, serve("plivo")));
  TRUNKLINE_ASSIGN_OR_RETURN(
      self->telnyx_server,
      http::Server::Start({o.bind, o.telnyx_port, o.threads}, serve("telnyx")));
  return std::unique_ptr<Emulator>(new Emulator(std::move(impl)));
}

uint16_t Emulator::twilio_port() const { return impl_->twilio_server->port(); }
uint16_t Emulator::plivo_port() const { return impl_->plivo_server->port(); }
uint16_t Emulator::telnyx_port() const { return impl_->telnyx_server->port(); }

void Emulator::Stop() {
  impl_->twilio_server->Stop();
  impl_->plivo_server->Stop();
  impl_->telnyx_server->Stop();
}

}  // namespace trunkline::emulator
