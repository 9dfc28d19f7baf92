// Older project documents are brought to the current schema version one step at a time:
// kMigrations[n] turns a version-n document into a version n+1 one. C++ has migrations (not only
// TypeScript) because the server reads stored revisions of any age: it renders them and applies
// operations to them. web/src/project/migrations.ts is the twin; both are held to the same
// before/after examples (protocol/project/examples/migrations/).
//
// A migration transforms what it recognises and passes through what it does not: a field of the
// wrong type is copied as it is, so that validating the result names it, and a migration never
// throws. Migrations work on JSON values, not on the generated structs, which describe only the
// current version. Thread rules: pure functions; any thread.
#pragma once

#include <amplitude/project/Ids.h>
#include <amplitude/project/Project.generated.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>

namespace amplitude::project {

using Migration = nlohmann::json (*)(const nlohmann::json&);

namespace migration_detail {
using json = nlohmann::json;

inline std::optional<json> field(const json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? std::nullopt : std::optional<json>(*it);
}
inline json fieldOr(const json& object, const char* key, json fallback) {
  auto it = object.find(key);
  return it == object.end() ? std::move(fallback) : *it;
}
/// Sets the key only when the value is there (the TypeScript side drops undefined fields).
inline void setIf(json& object, const char* key, const std::optional<json>& value) {
  if (value) object[key] = *value;
}
/// Applies `convert` to a number, passes anything else through; `fallback` when absent.
template <class Convert>
json numberField(const json& object, const char* key, json fallback, Convert convert) {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  return it->is_number() ? json(convert(it->get<double>())) : *it;
}
template <class Convert>
json mapArray(const json& value, Convert convert) {
  if (!value.is_array()) return value;
  json out = json::array();
  for (const json& item : value) out.push_back(item.is_object() ? convert(item) : item);
  return out;
}
inline std::string idOr(const json& object, const std::string& fallback) {
  auto it = object.find("id");
  return it != object.end() && it->is_string() ? it->get<std::string>() : fallback;
}
inline json fade() { return {{"lengthBeats", 0}, {"curve", "linear"}}; }
}  // namespace migration_detail

/// Version 0 (a synthetic ancestor, for the mechanism and its tests): see migrations.ts.
inline nlohmann::json migrateV0ToV1(const nlohmann::json& v0) {
  using namespace migration_detail;
  const std::string projectId = idOr(v0, "v0");
  const json savedAt = fieldOr(v0, "savedAt", "1970-01-01T00:00:00.000Z");
  const json signature = fieldOr(v0, "timeSignature", json::array({4, 4}));
  std::optional<json> numerator = signature;
  std::optional<json> denominator = signature;
  if (signature.is_array()) {
    numerator = signature.size() > 0 ? std::optional<json>(signature[0]) : std::nullopt;
    denominator = signature.size() > 1 ? std::optional<json>(signature[1]) : std::nullopt;
  }
  const json tracks = fieldOr(v0, "tracks", json::array());
  std::optional<std::string> masterId;
  if (tracks.is_array()) {
    auto master = std::find_if(tracks.begin(), tracks.end(), [](const json& t) {
      return t.is_object() && t.contains("type") && t["type"] == "master";
    });
    if (master != tracks.end() && master->contains("id") && (*master)["id"].is_string()) masterId = (*master)["id"].get<std::string>();
  }

  const auto audioClip = [](const json& clip) {
    json out = {{"kind", "audio"}, {"name", ""}};
    setIf(out, "id", field(clip, "id"));
    setIf(out, "assetId", field(clip, "asset"));
    out["startBeat"] = fieldOr(clip, "start", 0);
    setIf(out, "lengthBeats", field(clip, "length"));
    out["sourceOffsetSeconds"] = fieldOr(clip, "offset", 0);
    out["gainDb"] = 0;
    out["fadeIn"] = fade();
    out["fadeOut"] = fade();
    json loop = {{"enabled", false}};
    setIf(loop, "lengthBeats", field(clip, "length"));
    out["loop"] = loop;
    out["muted"] = false;
    return out;
  };
  const auto note = [](const json& n) {
    json out = json::object();
    setIf(out, "id", field(n, "id"));
    setIf(out, "pitch", field(n, "key"));
    out["velocity"] = numberField(n, "vel", 100.0 / 127, [](double v) { return v / 127; });
    out["releaseVelocity"] = 0.5;
    out["channel"] = 0;
    out["startBeat"] = fieldOr(n, "start", 0);
    setIf(out, "lengthBeats", field(n, "length"));
    return out;
  };
  const auto midiClip = [&note](const json& clip) {
    json out = {{"kind", "midi"}, {"name", ""}};
    setIf(out, "id", field(clip, "id"));
    out["startBeat"] = fieldOr(clip, "start", 0);
    setIf(out, "lengthBeats", field(clip, "length"));
    json loop = {{"enabled", false}};
    setIf(loop, "lengthBeats", field(clip, "length"));
    out["loop"] = loop;
    out["muted"] = false;
    out["notes"] = mapArray(fieldOr(clip, "notes", json::array()), note);
    return out;
  };
  const auto migrateTrack = [&](const json& track, std::size_t index) {
    const std::optional<json> type = field(track, "type");
    const bool isAudio = type && *type == "audio";
    const bool isMidi = type && *type == "midi";
    const bool isMaster = type && *type == "master";
    std::optional<json> kind = type;
    if (isAudio) kind = "audio";
    if (isMidi) kind = "instrument";
    if (isMaster) kind = "master";
    const std::string trackId = idOr(track, projectId + ".track" + std::to_string(index));
    json out = json::object();
    setIf(out, "id", field(track, "id"));
    setIf(out, "kind", kind);
    out["name"] = fieldOr(track, "name", "");
    out["colour"] = "#7f7f7f";
    out["order"] = index;
    out["strip"] = {
        {"volumeDb", numberField(track, "gain", 0, [](double g) { return g > 0 ? std::max(-96.0, 20 * std::log10(g)) : -96.0; })},
        {"pan", fieldOr(track, "pan", 0)}, {"mute", fieldOr(track, "muted", false)}, {"solo", false}, {"soloSafe", false}, {"invert", false}};
    out["sends"] = json::array();
    out["inserts"] = json::array();
    const json clips = fieldOr(track, "clips", json::array());
    out["clips"] = isAudio ? mapArray(clips, audioClip) : isMidi ? mapArray(clips, midiClip) : clips;
    out["automation"] = json::array();
    if (!isMaster && masterId) out["output"] = *masterId;
    if (isMidi) out["instrument"] = {{"id", derivedId(trackId, "instrument")}, {"device", "PolySynth"}, {"enabled", true}, {"params", json::object()}};
    return out;
  };

  json project = json::object();
  setIf(project, "id", field(v0, "id"));
  project["name"] = fieldOr(v0, "name", "");
  project["created"] = savedAt;
  project["modified"] = savedAt;
  project["sampleRate"] = fieldOr(v0, "sampleRate", 48000);
  json metre = {{"id", derivedId(projectId, "metre0")}, {"bar", 0}};
  setIf(metre, "numerator", numerator);
  setIf(metre, "denominator", denominator);
  json migratedTracks = tracks;
  if (tracks.is_array()) {
    migratedTracks = json::array();
    for (std::size_t i = 0; i < tracks.size(); ++i) migratedTracks.push_back(tracks[i].is_object() ? migrateTrack(tracks[i], i) : tracks[i]);
  }
  return {
      {"format", "amplitude-project"},
      {"schemaVersion", 1},
      {"project", project},
      {"transport",
       {{"tempoChanges", json::array({{{"id", derivedId(projectId, "tempo0")}, {"beat", 0}, {"beatsPerMinute", fieldOr(v0, "bpm", 120)}}})},
        {"timeSignatureChanges", json::array({metre})},
        {"loop", {{"enabled", false}, {"startBeat", 0}, {"endBeat", 16}}},
        {"metronome", {{"enabled", false}, {"countInBars", 0}, {"levelDb", -6}}}}},
      {"markers", json::array()},
      {"assets", fieldOr(v0, "assets", json::array())},
      {"tracks", migratedTracks},
  };
}

/// kMigrations[n] migrates version n to n + 1; there is one per version before the current one.
inline constexpr std::array<Migration, 1> kMigrations{&migrateV0ToV1};
static_assert(kMigrations.size() == kProjectSchemaVersion, "one migration per older project schema version");

/// Runs the migrations from `version` (older than the current one) up to the current version.
inline nlohmann::json migrateToCurrent(nlohmann::json document, std::int64_t version) {
  for (auto v = version; v < kProjectSchemaVersion; ++v) document = kMigrations[static_cast<std::size_t>(v)](document);
  return document;
}

}  // namespace amplitude::project
