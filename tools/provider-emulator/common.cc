#include "common.h"

#include <openssl/evp.h>

#include <boost/url/params_view.hpp>
#include <boost/url/parse.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace trunkline::emulator {
namespace {

std::vector<std::pair<std::string, std::string>> Collect(const boost::urls::params_view& params) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : params) out.emplace_back(p.key, p.value);
  return out;
}

std::tm UtcNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  return utc;
}

}  // namespace

std::optional<Target> ParseTarget(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  Target out;
  out.path = std::string(url->path());
  try {
    out.params = Collect(url->params(boost::urls::encoding_opts(true)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> ParseForm(std::string_view body) {
  try {
    return Collect(boost::urls::params_view(body, boost::urls::encoding_opts(true)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<BasicCredentials> ParseBasicAuth(const std::vector<http::Header>& headers) {
  const std::optional<std::string> header = http::FindHeader(headers, "Authorization");
  constexpr std::string_view kScheme = "Basic ";
  if (!header || header->size() <= kScheme.size() ||
      strncasecmp(header->data(), kScheme.data(), kScheme.size()) != 0) {
    return std::nullopt;
  }
  const std::string_view encoded = std::string_view(*header).substr(kScheme.size());
  if (encoded.size() % 4 != 0) return std::nullopt;
  std::string decoded(encoded.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(encoded.data()),
                                static_cast<int>(encoded.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes: drop one per '='.
  size_t size = static_cast<size_t>(n);
  for (size_t i = encoded.size(); i > 0 && encoded[i - 1] == '=' && size > 0; --i) --size;
  decoded.resize(size);
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded.substr(0, colon), decoded.substr(colon + 1)};
}

http::Response JsonResponse(int status, const boost::json::value& body) {
  return http::Response{
      status, {{"Content-Type", "application/json"}}, boost::json::serialize(body)};
}

std::string IsoNow() {
  const std::tm utc = UtcNow();
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc));
}

std::string IsoNowMillis() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  return text;
}

std::string Rfc2822Now() {
  const std::tm utc = UtcNow();
  char text[40];
  return std::string(text, std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S +0000", &utc));
}

}  // namespace trunkline::emulator
