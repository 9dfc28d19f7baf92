#pragma once
// Request bodies as JSON, parsed defensively: a size the caller chose, a nesting depth limit
// (our own code and the serialiser recurse), and no non-finite numbers (1e999 parses to
// infinity, which is not JSON and would be written back as null).
#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace amplitude::server::api {

/// Why a body was refused; becomes a 400 (or the given status) with this code and message.
/// Also the API's general client error: extra fields go into the error object, extra headers
/// (Allow, Retry-After) onto the response.
struct BadInput : std::runtime_error {
  BadInput(std::string code, const std::string& message, int status = 400)
      : std::runtime_error(message), code(std::move(code)), status(status) {}
  std::string code;
  int status;
  nlohmann::json details = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> headers;
};

constexpr int kMaxJsonDepth = 64;

/// Throws BadInput("invalid_json") for malformed text, too-deep nesting or non-finite numbers.
nlohmann::json parseJson(std::string_view text, int maxDepth = kMaxJsonDepth);

/// Throws BadInput unless `body` is an object.
const nlohmann::json& requireObject(const nlohmann::json& body, std::string_view what = "the request body");

/// A required string field (BadInput "missing_field" or "invalid_field" otherwise).
std::string requireString(const nlohmann::json& object, std::string_view field);
std::optional<std::string> optionalString(const nlohmann::json& object, std::string_view field);
/// A required integer field (whole JSON number that fits in 64 bits).
std::int64_t requireInteger(const nlohmann::json& object, std::string_view field);
std::optional<std::int64_t> optionalInteger(const nlohmann::json& object, std::string_view field);

/// Valid UTF-8 without control characters, 1..maxChars characters: names shown to people.
bool isDisplayName(std::string_view text, std::size_t maxChars);
/// Number of UTF-8 code points; nullopt if `text` is not valid UTF-8.
std::optional<std::size_t> utf8Length(std::string_view text);

}  // namespace amplitude::server::api
