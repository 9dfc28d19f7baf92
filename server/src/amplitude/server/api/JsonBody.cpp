#include "amplitude/server/api/JsonBody.h"

#include <cmath>
#include <fmt/format.h>

namespace amplitude::server::api {

using nlohmann::json;

json parseJson(std::string_view text, int maxDepth) {
  // The callback sees every value as it is parsed: throwing from it stops the parser before a
  // hostile document is built.
  const json::parser_callback_t check = [maxDepth](int depth, json::parse_event_t event, json& value) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) &&
        depth >= maxDepth)
      throw BadInput("invalid_json", fmt::format("JSON nested deeper than {} levels", maxDepth));
    if (event == json::parse_event_t::value && value.is_number_float() && !std::isfinite(value.get<double>()))
      throw BadInput("invalid_json", "JSON numbers must be finite (e.g. 1e999 is out of range)");
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), check);
  } catch (const json::exception& e) {
    throw BadInput("invalid_json", fmt::format("The body is not valid JSON: {}", e.what()));
  }
}

const json& requireObject(const json& body, std::string_view what) {
  if (!body.is_object()) throw BadInput("invalid_body", fmt::format("{} must be a JSON object", what));
  return body;
}

namespace {
const json* field(const json& object, std::string_view name) {
  const auto found = object.find(name);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}
}  // namespace

std::optional<std::string> optionalString(const json& object, std::string_view name) {
  const auto* value = field(object, name);
  if (!value) return std::nullopt;
  if (!value->is_string()) throw BadInput("invalid_field", fmt::format("'{}' must be a string", name));
  return value->get<std::string>();
}

std::string requireString(const json& object, std::string_view name) {
  auto value = optionalString(object, name);
  if (!value) throw BadInput("missing_field", fmt::format("'{}' is required", name));
  return *value;
}

std::optional<std::int64_t> optionalInteger(const json& object, std::string_view name) {
  const auto* value = field(object, name);
  if (!value) return std::nullopt;
  if (!value->is_number_integer())
    throw BadInput("invalid_field", fmt::format("'{}' must be an integer", name));
  if (value->is_number_unsigned() && value->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
    throw BadInput("invalid_field", fmt::format("'{}' is out of range", name));
  return value->get<std::int64_t>();
}

std::int64_t requireInteger(const json& object, std::string_view name) {
  auto value = optionalInteger(object, name);
  if (!value) throw BadInput("missing_field", fmt::format("'{}' is required", name));
  return *value;
}

std::optional<std::size_t> utf8Length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t extra = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : 9;
    if (extra == 9 || i + extra >= text.size()) return std::nullopt;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return std::nullopt;
    i += extra + 1;
  }
  return count;
}

bool isDisplayName(std::string_view text, std::size_t maxChars) {
  const auto length = utf8Length(text);
  if (!length || *length == 0 || *length > maxChars) return false;
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace amplitude::server::api
