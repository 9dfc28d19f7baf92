#include "amplitude/server/HttpMessages.h"

#include <nlohmann/json.hpp>

namespace amplitude::server {

void applyStandardHeaders(http::response_header<>& header) {
  header.set(http::field::server, "amplitude-server/" AMPLITUDE_VERSION);
  header.set("Cross-Origin-Opener-Policy", "same-origin");
  header.set("Cross-Origin-Embedder-Policy", "require-corp");
  header.set("Cross-Origin-Resource-Policy", "same-origin");
  header.set("X-Content-Type-Options", "nosniff");
  header.set("Referrer-Policy", "no-referrer");
}

namespace {

StringResponse makeResponse(http::status status, std::string body, std::string_view contentType,
                            unsigned version, bool keepAlive) {
  StringResponse response{status, version};
  applyStandardHeaders(response.base());
  response.set(http::field::content_type, contentType);
  response.set(http::field::cache_control, "no-store");
  response.keep_alive(keepAlive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

StringResponse makeTextResponse(http::status status, std::string_view body, unsigned version,
                                bool keepAlive) {
  std::string text{body};
  text.push_back('\n');
  return makeResponse(status, std::move(text), "text/plain; charset=utf-8", version, keepAlive);
}

StringResponse makeJsonResponse(http::status status, std::string body, unsigned version,
                                bool keepAlive) {
  return makeResponse(status, std::move(body), "application/json", version, keepAlive);
}

StringResponse makeJsonError(http::status status, std::string_view code, std::string_view message,
                             unsigned version, bool keepAlive) {
  const nlohmann::json body{{"error", {{"code", code}, {"message", message}}}};
  // Replace invalid UTF-8 rather than throw: messages may quote a client's bytes.
  return makeJsonResponse(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                          version, keepAlive);
}

bool wantsKeepAlive(const RequestHeader& header) {
  http::token_list connection{header[http::field::connection]};
  if (header.version() < 11) return connection.exists("keep-alive");
  return !connection.exists("close");
}

http::status statusOf(const Response& response) {
  return std::visit([](const auto& r) { return r.result(); }, response);
}

http::response_header<>& headerOf(Response& response) {
  return std::visit([](auto& r) -> http::response_header<>& { return r.base(); }, response);
}

const http::response_header<>& headerOf(const Response& response) {
  return std::visit([](const auto& r) -> const http::response_header<>& { return r.base(); },
                    response);
}

}  // namespace amplitude::server
