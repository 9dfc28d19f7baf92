#pragma once
// Maps a request to its handler. Pure: no sockets, no threads, so every route is unit-tested by
// calling handle() directly (tests/RouterTest.cpp). /api/* answers in JSON (api/Api.h), everything
// else is the web app. Without an Api (static-only tests) /api has just the health check.
//
// Thread rules: handle() may block (database, hashing); HttpServer calls it on its worker pool.
#include "amplitude/server/HttpMessages.h"
#include "amplitude/server/StaticFiles.h"
#include "amplitude/server/live/LiveIdentity.h"

#include <chrono>
#include <filesystem>
#include <optional>

namespace amplitude::server {

namespace api {
class Api;
}

class Router {
public:
  explicit Router(StaticFiles webApp, api::Api* api = nullptr);

  Response handle(const Request& request, const RequestContext& context = {}) const;

  // Uploads stream their body to a file instead of memory (HttpServer asks before reading it).
  bool isUpload(const RequestHeader& header) const;
  std::optional<Response> admitUpload(const RequestHeader& header, const RequestContext& context) const;
  Response handleUpload(const RequestHeader& header, const std::filesystem::path& bodyFile,
                        const RequestContext& context) const;
  std::filesystem::path newUploadPath() const;
  std::uint64_t maxUploadBytes() const;
  // The live channel (a WebSocket upgrade): HttpServer asks before accepting it.
  bool isLiveChannel(const RequestHeader& header) const;
  /// The caller's identity, or the refusal to answer instead of upgrading (403, 404...).
  std::variant<live::LiveIdentity, StringResponse> admitLive(const RequestHeader& header,
                                                             const RequestContext& context) const;
  /// The largest body this (non-upload) request may have.
  std::uint64_t bodyLimitFor(const RequestHeader& header, std::uint64_t fallback) const;
  /// A refusal from the network side (413 for a body over the limit...), JSON under /api.
  static StringResponse refusal(const RequestHeader& header, http::status status, std::string_view code,
                                std::string_view message);

private:
  Response handleApi(const Request& request, std::string_view path, const RequestContext& context) const;
  Response health(const Request& request) const;

  StaticFiles webApp_;
  api::Api* api_;
  std::chrono::steady_clock::time_point startedAt_;
};

}  // namespace amplitude::server
