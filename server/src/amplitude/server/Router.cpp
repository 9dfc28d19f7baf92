#include "amplitude/server/Router.h"

#include "amplitude/server/api/Api.h"

#include <amplitude/protocol/Protocol.generated.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace amplitude::server {

namespace {

constexpr std::string_view kReadOnlyMethods = "GET, HEAD, OPTIONS";

bool isReadOnly(http::verb method) {
  return method == http::verb::get || method == http::verb::head;
}

StringResponse allowResponse(const Request& request) {
  StringResponse response{http::status::no_content, request.version()};
  applyStandardHeaders(response.base());
  response.set(http::field::allow, kReadOnlyMethods);
  response.keep_alive(request.keep_alive());
  response.prepare_payload();
  return response;
}

/// HEAD must carry GET's headers but no body: keep the length, drop the bytes.
Response withoutBodyForHead(const Request& request, StringResponse response) {
  if (request.method() == http::verb::head) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  return response;
}

}  // namespace

Router::Router(StaticFiles webApp, api::Api* api)
    : webApp_(std::move(webApp)), api_(api), startedAt_(std::chrono::steady_clock::now()) {}

Response Router::handle(const Request& request, const RequestContext& context) const {
  const std::string_view target = request.target();
  const auto path = target.substr(0, target.find_first_of("?#"));
  if (path == "/api" || path.starts_with("/api/")) return handleApi(request, path, context);

  if (request.method() == http::verb::options) return allowResponse(request);
  if (!isReadOnly(request.method())) {
    auto response = makeTextResponse(
        http::status::method_not_allowed,
        fmt::format("Method {} is not allowed here: the web app is read-only",
                    std::string_view{request.method_string()}),
        request.version(), request.keep_alive());
    response.set(http::field::allow, kReadOnlyMethods);
    return response;
  }
  return webApp_.serve(request);
}

bool Router::isUpload(const RequestHeader& header) const { return api_ && api::Api::isUpload(header); }

std::optional<Response> Router::admitUpload(const RequestHeader& header, const RequestContext& context) const {
  return api_->admitUpload(header, context);
}

Response Router::handleUpload(const RequestHeader& header, const std::filesystem::path& bodyFile,
                              const RequestContext& context) const {
  return api_->handleUpload(header, bodyFile, context);
}

bool Router::isLiveChannel(const RequestHeader& header) const { return api_ && api::Api::isLiveChannel(header); }

std::variant<live::LiveIdentity, StringResponse> Router::admitLive(const RequestHeader& header,
                                                                   const RequestContext& context) const {
  return api_->admitLive(header, context);
}

std::filesystem::path Router::newUploadPath() const { return api_->newUploadPath(); }

std::uint64_t Router::maxUploadBytes() const { return api_ ? api_->maxUploadBytes() : 0; }

std::uint64_t Router::bodyLimitFor(const RequestHeader& header, std::uint64_t fallback) const {
  const std::string_view target = header.target();
  if (!api_ || !target.starts_with("/api/")) return fallback;
  return api_->bodyLimitFor(header);
}

StringResponse Router::refusal(const RequestHeader& header, http::status status, std::string_view code,
                               std::string_view message) {
  if (std::string_view{header.target()}.starts_with("/api"))
    return makeJsonError(status, code, message, header.version(), false);
  return makeTextResponse(status, message, header.version(), false);
}

Response Router::handleApi(const Request& request, std::string_view path, const RequestContext& context) const {
  if (api_) return api_->handle(request, path, context);
  if (path != "/api/health")
    return makeJsonError(http::status::not_found, "not_found",
                         fmt::format("No API endpoint at {}", path), request.version(),
                         request.keep_alive());
  if (request.method() == http::verb::options) return allowResponse(request);
  if (!isReadOnly(request.method())) {
    auto response = makeJsonError(
        http::status::method_not_allowed, "method_not_allowed",
        fmt::format("{} {} is not supported; use GET", std::string_view{request.method_string()}, path),
        request.version(), request.keep_alive());
    response.set(http::field::allow, kReadOnlyMethods);
    return response;
  }
  return health(request);
}

Response Router::health(const Request& request) const {
  const auto uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - startedAt_);
  const nlohmann::json body{
      {"status", "ok"},
      {"service", "amplitude-server"},
      {"version", AMPLITUDE_VERSION},
      {"protocolSchemaVersion", protocol::kSchemaVersion},
      {"uptimeSeconds", uptime.count()},
  };
  return withoutBodyForHead(
      request, makeJsonResponse(http::status::ok, body.dump(), request.version(), request.keep_alive()));
}

}  // namespace amplitude::server
