#pragma once
// Live edits as operations on the project document, addressed by the stable ids of its objects,
// never by array positions, so an edit made against an older revision still means the same
// thing on the head (docs/collaboration.md):
//
//   {"op":"set",    "target": id|null, "path": ["strip","volumeDb"], "value": v}   (no value: unset)
//   {"op":"insert", "parent": id|null, "collection": "clips", "value": {"id":..}, "before": id|null}
//   {"op":"delete", "target": id}
//
// The same rules as the browser's web/src/collab/documentOps.ts (it applies the ops the server
// broadcasts, so both must agree): ids address the objects in arrays (a single object such as
// a track's instrument is reached by a path from its holder); the path's objects and the
// collection must exist, a named sibling too.
//
// Pure functions over nlohmann::json: no I/O, no threads, any thread.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace amplitude::server::live {

inline constexpr std::size_t kMaxPathDepth = 16;

/// Why an edit cannot be applied.
struct OpFailure {
  /// "bad_op" (malformed, or not allowed), "target_missing" (an id the op names is not in the
  /// document; the caller words it as target_deleted or target_not_found).
  std::string reason;
  std::string detail;
  std::string missingId;  ///< for target_missing
  std::size_t opIndex = 0;
};

/// Checks the form of every op before any is applied ("ops" must be a non-empty array).
std::optional<OpFailure> checkOps(const nlohmann::json& ops, std::size_t maxOps);

/// Applies the ops in order to `document` (all or nothing is up to the caller: pass a copy).
std::optional<OpFailure> applyOps(nlohmann::json& document, const nlohmann::json& ops);

/// True if some object in `document` has this id.
bool containsId(const nlohmann::json& document, std::string_view id);

/// What kind of object has this id, in words ("clip", "track", "automation point"), or "object".
std::string kindOfObject(const nlohmann::json& document, std::string_view id);

/// Ids that occur more than once in the document (any object with a string "id").
std::vector<std::string> duplicateIds(const nlohmann::json& document);

}  // namespace amplitude::server::live
