// The rules of a project document that its JSON Schema cannot say: ids unique in the document,
// references that resolve (outputs, sends, assets, automation targets), exactly one master, no
// routing cycle, tempo and time signature changes in order, fades that fit, device parameters
// that the engine declares, within their ranges. Runs only on a document the schema accepted.
// Its TypeScript twin is web/src/project/projectRules.ts: same checks, same order, same words.
//
// Thread rules: pure functions of their arguments; any thread. Nothing here throws.
#pragma once

#include <amplitude/project/Project.generated.h>
#include <amplitude/project/SchemaValidator.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace amplitude::project {

namespace rules_detail {

inline void checkValue(double value, const ParameterRange& range, const std::string& path, ErrorList& errors) {
  if (range.integer && std::floor(value) != value) errors.add(path, "must be an integer");
  else if (value < range.min) errors.add(path, "must be >= " + formatNumber(range.min));
  else if (value > range.max) errors.add(path, "must be <= " + formatNumber(range.max));
}

inline void checkIds(const ProjectDocument& document, ErrorList& errors) {
  std::unordered_map<std::string, std::string> seen;
  auto visit = [&](const std::string& id, const std::string& path) {
    auto [it, inserted] = seen.try_emplace(id, path);
    if (!inserted) errors.add(path, "duplicate id " + quote(id) + " (first at " + it->second + ")");
  };
  const auto at = [](const char* list, std::size_t i) { return indexPath(list, i) + ".id"; };
  visit(document.project.id, "project.id");
  for (std::size_t i = 0; i < document.transport.tempoChanges.size(); ++i) visit(document.transport.tempoChanges[i].id, at("transport.tempoChanges", i));
  for (std::size_t i = 0; i < document.transport.timeSignatureChanges.size(); ++i) {
    visit(document.transport.timeSignatureChanges[i].id, at("transport.timeSignatureChanges", i));
  }
  for (std::size_t i = 0; i < document.markers.size(); ++i) visit(document.markers[i].id, at("markers", i));
  for (std::size_t i = 0; i < document.assets.size(); ++i) visit(document.assets[i].id, at("assets", i));
  for (std::size_t t = 0; t < document.tracks.size(); ++t) {
    const Track& track = document.tracks[t];
    const std::string base = indexPath("tracks", t);
    visit(track.id, base + ".id");
    for (std::size_t i = 0; i < track.sends.size(); ++i) visit(track.sends[i].id, indexPath(base + ".sends", i) + ".id");
    for (std::size_t i = 0; i < track.inserts.size(); ++i) visit(track.inserts[i].id, indexPath(base + ".inserts", i) + ".id");
    if (track.instrument) visit(track.instrument->id, base + ".instrument.id");
    for (std::size_t c = 0; c < track.clips.size(); ++c) {
      const std::string clipPath = indexPath(base + ".clips", c);
      std::visit([&](const auto& clip) { visit(clip.id, clipPath + ".id"); }, track.clips[c]);
      if (const auto* midi = std::get_if<MidiClip>(&track.clips[c])) {
        for (std::size_t i = 0; i < midi->notes.size(); ++i) visit(midi->notes[i].id, indexPath(clipPath + ".notes", i) + ".id");
      }
    }
    for (std::size_t l = 0; l < track.automation.size(); ++l) {
      const std::string lanePath = indexPath(base + ".automation", l);
      visit(track.automation[l].id, lanePath + ".id");
      for (std::size_t i = 0; i < track.automation[l].points.size(); ++i) {
        visit(track.automation[l].points[i].id, indexPath(lanePath + ".points", i) + ".id");
      }
    }
  }
}

inline void checkTransport(const ProjectDocument& document, ErrorList& errors) {
  const auto& tempo = document.transport.tempoChanges;
  for (std::size_t i = 0; i < tempo.size(); ++i) {
    const std::string path = indexPath("transport.tempoChanges", i) + ".beat";
    if (i == 0 && tempo[i].beat != 0) errors.add(path, "the first tempo change must be at beat 0");
    if (i > 0 && tempo[i].beat <= tempo[i - 1].beat) {
      errors.add(path, "must be after the previous change (beat " + formatNumber(tempo[i - 1].beat) + ")");
    }
  }
  const auto& metre = document.transport.timeSignatureChanges;
  for (std::size_t i = 0; i < metre.size(); ++i) {
    const std::string path = indexPath("transport.timeSignatureChanges", i) + ".bar";
    if (i == 0 && metre[i].bar != 0) errors.add(path, "the first time signature change must be at bar 0");
    if (i > 0 && metre[i].bar <= metre[i - 1].bar) {
      errors.add(path, "must be after the previous change (bar " + std::to_string(metre[i - 1].bar) + ")");
    }
  }
  if (document.transport.loop.endBeat <= document.transport.loop.startBeat) errors.add("transport.loop.endBeat", "must be after startBeat");
}

template <class Device>
void checkDevice(const Device& device, const std::string& path, ErrorList& errors) {
  const std::string name(toString(device.device));
  if (name == "Unknown") {
    if (!device.unknown) return errors.add(path + ".unknown", "is required for an Unknown device");
    std::set<std::string> ids;
    const auto& parameterIds = device.unknown->parameterIds;
    for (std::size_t i = 0; i < parameterIds.size(); ++i) {
      if (!ids.insert(std::to_string(parameterIds[i])).second) {
        errors.add(indexPath(path + ".unknown.parameterIds", i), "duplicate parameter id " + std::to_string(parameterIds[i]));
      }
    }
    for (const auto& [key, value] : device.params) {
      if (!ids.contains(key)) errors.add(joinPath(path + ".params", key), "not one of the device's parameterIds");
    }
    return;
  }
  if (device.unknown) errors.add(path + ".unknown", "is not allowed on a " + name);
  for (const auto& [key, value] : device.params) {
    const std::string at = joinPath(path + ".params", key);
    const ParameterRange* range = findParameter(name, key);
    if (!range) errors.add(at, name + " has no parameter " + quote(key));
    else checkValue(value, *range, at, errors);
  }
}

/// The device a lane drives (a name in kParameterRanges, or "Unknown" with its ids), or nothing
/// after adding the error.
struct LaneDevice {
  std::string device;
  const std::vector<std::int64_t>* unknownIds = nullptr;
};

inline std::optional<LaneDevice> laneDevice(const Track& track, const AutomationLane& lane, const std::string& path, ErrorList& errors) {
  const AutomationTarget& target = lane.target;
  if (target.kind != AutomationTargetKind::insert && target.insertId) errors.add(path + ".target.insertId", "is only for kind insert");
  if (target.kind != AutomationTargetKind::send && target.sendId) errors.add(path + ".target.sendId", "is only for kind send");
  switch (target.kind) {
    case AutomationTargetKind::strip:
      return LaneDevice{"ChannelStrip"};
    case AutomationTargetKind::send: {
      if (!target.sendId) return errors.add(path + ".target.sendId", "is required when kind is send"), std::nullopt;
      const bool found = std::any_of(track.sends.begin(), track.sends.end(), [&](const Send& s) { return s.id == *target.sendId; });
      if (!found) return errors.add(path + ".target.sendId", "no send " + quote(*target.sendId) + " on this track"), std::nullopt;
      return LaneDevice{"Send"};
    }
    case AutomationTargetKind::instrument: {
      if (!track.instrument) return errors.add(path + ".target.kind", "this track has no instrument"), std::nullopt;
      return LaneDevice{std::string(toString(track.instrument->device)),
                        track.instrument->unknown ? &track.instrument->unknown->parameterIds : nullptr};
    }
    case AutomationTargetKind::insert: {
      if (!target.insertId) return errors.add(path + ".target.insertId", "is required when kind is insert"), std::nullopt;
      auto insert = std::find_if(track.inserts.begin(), track.inserts.end(), [&](const Insert& i) { return i.id == *target.insertId; });
      if (insert == track.inserts.end()) {
        return errors.add(path + ".target.insertId", "no insert " + quote(*target.insertId) + " on this track"), std::nullopt;
      }
      return LaneDevice{std::string(toString(insert->device)), insert->unknown ? &insert->unknown->parameterIds : nullptr};
    }
  }
  return std::nullopt;
}

inline void checkAutomation(const Track& track, const std::string& base, ErrorList& errors) {
  std::set<std::string> targets;
  for (std::size_t l = 0; l < track.automation.size(); ++l) {
    const AutomationLane& lane = track.automation[l];
    const std::string path = indexPath(base + ".automation", l);
    const auto resolved = laneDevice(track, lane, path, errors);
    if (!resolved) continue;
    const std::string key = nlohmann::json::array({std::string(toString(lane.target.kind)),
                                                   lane.target.insertId.value_or(lane.target.sendId.value_or("")), lane.target.param})
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!targets.insert(key).second) errors.add(path + ".target", "another lane already drives this parameter");
    const ParameterRange* range = nullptr;
    if (resolved->device == "Unknown") {
      const auto* ids = resolved->unknownIds;
      const bool declared = ids && std::any_of(ids->begin(), ids->end(), [&](std::int64_t id) { return std::to_string(id) == lane.target.param; });
      if (!declared) {
        errors.add(path + ".target.param", "not one of the device's parameterIds");
        continue;
      }
    } else {
      range = findParameter(resolved->device, lane.target.param);
      if (!range) {
        errors.add(path + ".target.param", resolved->device + " has no parameter " + quote(lane.target.param));
        continue;
      }
    }
    for (std::size_t p = 0; p < lane.points.size(); ++p) {
      const std::string pointPath = indexPath(path + ".points", p);
      if (p > 0 && lane.points[p].beat < lane.points[p - 1].beat) {
        errors.add(pointPath + ".beat", "must not be before the previous point (beat " + formatNumber(lane.points[p - 1].beat) + ")");
      }
      if (range) checkValue(lane.points[p].value, *range, pointPath + ".value", errors);
    }
  }
}

inline void checkTrack(const ProjectDocument& document, const std::unordered_map<std::string, std::size_t>& byId, std::size_t t,
                       ErrorList& errors) {
  const Track& track = document.tracks[t];
  const std::string base = indexPath("tracks", t);
  const auto find = [&](const std::string& id) -> const Track* {
    auto it = byId.find(id);
    return it == byId.end() ? nullptr : &document.tracks[it->second];
  };
  if (track.kind == TrackKind::master) {
    if (track.output) errors.add(base + ".output", "the master has no output");
  } else if (!track.output) {
    errors.add(base + ".output", "is required (every track but the master plays into a bus or the master)");
  } else {
    const Track* output = find(*track.output);
    if (!output || (output->kind != TrackKind::bus && output->kind != TrackKind::master) || output == &track) {
      errors.add(base + ".output", quote(*track.output) + " is not a bus or the master");
    }
  }
  for (std::size_t i = 0; i < track.sends.size(); ++i) {
    const Track* target = find(track.sends[i].target);
    if (!target || target->kind != TrackKind::bus || target == &track) {
      errors.add(indexPath(base + ".sends", i) + ".target", quote(track.sends[i].target) + " is not a bus");
    }
  }
  if (track.kind == TrackKind::instrument && !track.instrument) errors.add(base + ".instrument", "is required on an instrument track");
  if (track.kind != TrackKind::instrument && track.instrument) errors.add(base + ".instrument", "only an instrument track has an instrument");
  if (track.instrument) checkDevice(*track.instrument, base + ".instrument", errors);
  for (std::size_t i = 0; i < track.inserts.size(); ++i) checkDevice(track.inserts[i], indexPath(base + ".inserts", i), errors);
  for (std::size_t c = 0; c < track.clips.size(); ++c) {
    const std::string path = indexPath(base + ".clips", c);
    if (const auto* audio = std::get_if<AudioClip>(&track.clips[c])) {
      if (track.kind != TrackKind::audio) {
        errors.add(path, "an audio clip belongs on an audio track");
        continue;
      }
      const bool found = std::any_of(document.assets.begin(), document.assets.end(), [&](const Asset& a) { return a.id == audio->assetId; });
      if (!found) errors.add(path + ".assetId", "no asset " + quote(audio->assetId));
      if (audio->fadeIn.lengthBeats + audio->fadeOut.lengthBeats > audio->lengthBeats) {
        errors.add(path + ".fadeOut.lengthBeats", "fade in and fade out together must be <= lengthBeats (" + formatNumber(audio->lengthBeats) + ")");
      }
    } else if (track.kind != TrackKind::instrument) {
      errors.add(path, "a MIDI clip belongs on an instrument track");
    }
  }
  checkAutomation(track, base, errors);
}

/// Routing (outputs, then sends, in document order) must not lead a track back to itself.
inline void checkRouting(const ProjectDocument& document, const std::unordered_map<std::string, std::size_t>& byId, ErrorList& errors) {
  const std::size_t count = document.tracks.size();
  std::vector<int> state(count, 0);  // 0 new, 1 on the path, 2 done
  std::vector<std::size_t> stack;
  std::function<bool(std::size_t)> visit = [&](std::size_t t) -> bool {
    state[t] = 1;
    stack.push_back(t);
    const Track& track = document.tracks[t];
    std::vector<std::pair<const std::string*, std::string>> edges;
    if (track.output) edges.emplace_back(&*track.output, indexPath("tracks", t) + ".output");
    for (std::size_t i = 0; i < track.sends.size(); ++i) {
      edges.emplace_back(&track.sends[i].target, indexPath(indexPath("tracks", t) + ".sends", i) + ".target");
    }
    for (const auto& [target, path] : edges) {
      auto it = byId.find(*target);
      if (it == byId.end() || it->second == t) continue;
      const std::size_t next = it->second;
      if (state[next] == 1) {
        std::string cycle;
        for (auto k = std::find(stack.begin(), stack.end(), next); k != stack.end(); ++k) cycle += document.tracks[*k].id + " -> ";
        cycle += document.tracks[next].id;
        errors.add(path, "routing cycle (" + cycle + ")");
        return true;
      }
      if (state[next] == 0 && visit(next)) return true;
    }
    stack.pop_back();
    state[t] = 2;
    return false;
  };
  for (std::size_t t = 0; t < count; ++t) {
    if (state[t] == 0 && visit(t)) return;
  }
}

}  // namespace rules_detail

/// Adds every broken rule of a schema-valid document to `errors`, in a fixed order.
inline void checkProjectRules(const ProjectDocument& document, ErrorList& errors) {
  rules_detail::checkIds(document, errors);
  rules_detail::checkTransport(document, errors);
  const auto masters = std::count_if(document.tracks.begin(), document.tracks.end(), [](const Track& t) { return t.kind == TrackKind::master; });
  if (masters != 1) errors.add("tracks", "must have exactly one master track (found " + std::to_string(masters) + ")");
  std::unordered_map<std::string, std::size_t> byId;  // the first track with each id
  for (std::size_t t = 0; t < document.tracks.size(); ++t) byId.try_emplace(document.tracks[t].id, t);
  for (std::size_t t = 0; t < document.tracks.size(); ++t) rules_detail::checkTrack(document, byId, t, errors);
  rules_detail::checkRouting(document, byId, errors);
}

}  // namespace amplitude::project
