// Reading and writing a project document: text -> limits -> JSON -> schema version -> migrations
// -> schema -> typed ProjectDocument -> rules, or the list of what is wrong, each error naming its
// path ("tracks[3].clips[0].startBeat: must be >= 0"). web/src/project/projectDocument.ts does the
// same with the same limits and the same words (protocol/project/examples/ holds both to it).
//
// Nothing here throws or crashes on any input: the size and nesting limits are checked on the raw
// text before nlohmann::json sees it, parsing does not throw, validation recurses no deeper than
// the schema, and conversion to structs happens only after validation.
// Thread rules: every function may run on any thread at once (the schema is parsed once, at first
// use, under the C++ static-initialisation guarantee).
#pragma once

#include <amplitude/project/Migrations.h>
#include <amplitude/project/Project.generated.h>
#include <amplitude/project/ProjectRules.h>
#include <amplitude/project/SchemaValidator.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace amplitude::project {

/// A document larger than this (bytes of UTF-8) is refused before it is parsed.
inline constexpr std::size_t kMaxDocumentBytes = 32 * 1024 * 1024;
/// Arrays and objects nested deeper than this are refused before parsing (the schema needs 9).
inline constexpr std::size_t kMaxNesting = 64;

struct ParseResult {
  std::optional<ProjectDocument> document;  ///< set when the text is a valid document
  std::vector<std::string> errors;          ///< "path: message", empty when valid
  std::optional<std::int64_t> migratedFrom; ///< the version the text was, when older than current
  bool ok() const { return document.has_value(); }
};

/// The project schema, parsed once, and its validator.
inline const SchemaValidator& projectSchemaValidator() {
  static const SchemaValidator::SchemaJson schema = SchemaValidator::SchemaJson::parse(kProjectSchemaJson);
  static const SchemaValidator validator(schema);
  return validator;
}

/// The deepest nesting of [ and { outside strings.
inline std::size_t nestingDepth(std::string_view text) {
  std::int64_t depth = 0;  // may go below zero on text that closes first, as in TypeScript
  std::int64_t deepest = 0;
  bool inString = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      if (c == '\\') ++i;
      else if (c == '"') inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return static_cast<std::size_t>(deepest);
}

namespace document_detail {
inline ParseResult failure(std::string message) {
  ParseResult result;
  result.errors.push_back(std::move(message));
  return result;
}
}  // namespace document_detail

/// Schema and rules for a JSON value of the current version; also gives the typed document.
inline ParseResult validateProjectJson(const nlohmann::json& value) {
  ParseResult result;
  ErrorList errors;
  projectSchemaValidator().validate(value, errors);
  if (errors.messages.empty()) {
    try {
      ProjectDocument document = value.get<ProjectDocument>();
      checkProjectRules(document, errors);
      if (errors.messages.empty()) result.document = std::move(document);
    } catch (const std::exception& error) {  // a schema/struct mismatch: a bug, never the input's fault
      errors.add("", std::string("could not be converted after validation (") + error.what() + ")");
    }
  }
  result.errors = std::move(errors.messages);
  return result;
}

/// Migrates (if older) and validates an already parsed JSON value.
inline ParseResult parseProjectJson(const nlohmann::json& value) {
  using document_detail::failure;
  if (!value.is_object()) return failure("document: must be an object");
  auto version = value.find("schemaVersion");
  const bool integer = version != value.end() && version->is_number() &&
                       (!version->is_number_float() || (std::isfinite(version->get<double>()) &&
                                                        std::floor(version->get<double>()) == version->get<double>()));
  if (!integer) return failure("schemaVersion: must be an integer");
  const double number = version->get<double>();
  if (number < 0) return failure("schemaVersion: must be >= 0");
  if (number > static_cast<double>(kProjectSchemaVersion)) {
    return failure("schemaVersion: " + formatNumber(number) + " is newer than this build reads (" + std::to_string(kProjectSchemaVersion) + ")");
  }
  const auto from = static_cast<std::int64_t>(number);
  if (from == kProjectSchemaVersion) return validateProjectJson(value);
  ParseResult result = validateProjectJson(migrateToCurrent(value, from));
  if (result.ok()) result.migratedFrom = from;
  return result;
}

inline ParseResult parseProjectText(std::string_view text) {
  using document_detail::failure;
  if (text.size() > kMaxDocumentBytes) return failure("document: larger than " + std::to_string(kMaxDocumentBytes) + " bytes");
  if (nestingDepth(text) > kMaxNesting) return failure("document: nested deeper than " + std::to_string(kMaxNesting) + " levels");
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return failure("document: not valid JSON");
  return parseProjectJson(value);
}

/// The document as JSON text (what the server stores per revision).
inline std::string serializeProject(const ProjectDocument& document) {
  return nlohmann::json(document).dump();
}

}  // namespace amplitude::project
