#pragma once
// The HTTP vocabulary every handler speaks. Handlers take a Request and return a Response; they
// never see a socket, so they are tested as plain functions (see Router.h).
#include <boost/beast/http.hpp>

#include <string_view>
#include <variant>

namespace amplitude::server {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using StringResponse = http::response<http::string_body>;
/// Static files are streamed from disk by Beast, never read whole into memory.
using FileResponse = http::response<http::file_body>;
using Response = std::variant<StringResponse, FileResponse>;

/// Headers on every response, errors included. COOP + COEP make the page cross-origin isolated,
/// which is what unlocks SharedArrayBuffer (the engine's shared memory); CORP lets our own
/// resources load under require-corp while refusing them to other origins.
void applyStandardHeaders(http::response_header<>& header);

StringResponse makeTextResponse(http::status status, std::string_view body, unsigned version = 11,
                                bool keepAlive = true);

/// A JSON error body: {"error": {"code": ..., "message": ...}}. Used for everything under /api.
StringResponse makeJsonError(http::status status, std::string_view code, std::string_view message,
                             unsigned version = 11, bool keepAlive = true);

StringResponse makeJsonResponse(http::status status, std::string body, unsigned version = 11,
                                bool keepAlive = true);

http::status statusOf(const Response& response);
http::response_header<>& headerOf(Response& response);
const http::response_header<>& headerOf(const Response& response);

}  // namespace amplitude::server
