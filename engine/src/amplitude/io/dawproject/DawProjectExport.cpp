// Amplitude document -> DAWproject. The written project.xml follows the official Project.xsd
// (the tests validate it with xmllint). Amplitude's own devices keep their exact parameters by
// name in <Parameters> (so an import gives them back unchanged) and, for the EQ, compressor and
// limiter, also fill the standard DAWproject elements other DAWs read. Unknown devices go back
// as the plug-in (or built-in device XML) they came from.
#include <amplitude/io/dawproject/AmplitudeDevices.h>
#include <amplitude/io/dawproject/Conversions.h>
#include <amplitude/io/dawproject/DawProject.h>
#include <amplitude/io/dawproject/ZipArchive.h>
#include <amplitude/project/TempoMap.h>

#include <pugixml.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace amplitude::io::dawproject {

namespace {

using project::AutomationTargetKind;

std::string targetKey(const std::string& trackId, AutomationTargetKind kind, const std::string& deviceOrSend, const std::string& param) {
  return trackId + "\n" + std::string(project::toString(kind)) + "\n" + deviceOrSend + "\n" + param;
}

std::string_view unitOf(std::string_view engineUnit) {
  if (engineUnit == "dB") return "decibel";
  if (engineUnit == "Hz") return "hertz";
  if (engineUnit == "%") return "percent";
  return "linear";  // ms, ratios, enumerations: DAWproject has no unit for them
}

std::string_view stateExtension(project::PluginFormat format) {
  switch (format) {
    case project::PluginFormat::vst2: return "fxp";
    case project::PluginFormat::vst3: return "vstpreset";
    case project::PluginFormat::clap: return "clap-preset";
    case project::PluginFormat::au: return "aupreset";
    case project::PluginFormat::other: return "bin";
  }
  return "bin";
}

std::string_view pluginElement(project::PluginFormat format) {
  switch (format) {
    case project::PluginFormat::vst2: return "Vst2Plugin";
    case project::PluginFormat::vst3: return "Vst3Plugin";
    case project::PluginFormat::clap: return "ClapPlugin";
    case project::PluginFormat::au: return "AuPlugin";
    case project::PluginFormat::other: return "Device";
  }
  return "Device";
}

std::string extensionForMime(const std::string& mime) {
  if (mime == "audio/wav" || mime == "audio/x-wav" || mime == "audio/wave") return "wav";
  if (mime == "audio/flac") return "flac";
  if (mime == "audio/mpeg") return "mp3";
  if (mime == "audio/ogg") return "ogg";
  if (mime == "audio/aiff") return "aiff";
  return "bin";
}

/// Text as XML 1.0 can hold it: control characters (which not even a character reference may
/// carry) become spaces. Names are the only free text the document has.
std::string xmlText(std::string text) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') c = ' ';
  }
  return text;
}

class Exporter {
 public:
  Exporter(const project::ProjectDocument& document, const ExportOptions& options)
      : doc_(document), options_(options), tempo_(document.transport.tempoChanges), meter_(document.transport.timeSignatureChanges) {
    // Document ids that are valid XML ids are kept as XML ids; reserve them before generating.
    for (const auto& track : doc_.tracks) {
      reserve(track.id);
      for (const auto& send : track.sends) reserve(send.id);
      for (const auto& insert : track.inserts) reserve(insert.id);
      if (track.instrument) reserve(track.instrument->id);
    }
  }

  ExportResult run() {
    const auto checked = project::validateProjectJson(nlohmann::json(doc_));
    if (!checked.ok()) throw DawProjectError("the document is not valid: " + checked.errors.front());
    tracks_ = sortedTracks();
    for (const auto* track : tracks_) {
      trackXmlIds_[track->id] = xmlId(track->id);
      channelXmlIds_[track->id] = xmlId(track->id + "_channel");
    }
    auto declaration = xml_.append_child(pugi::node_declaration);
    declaration.append_attribute("version") = "1.0";
    declaration.append_attribute("encoding") = "UTF-8";
    declaration.append_attribute("standalone") = "yes";
    pugi::xml_node project = xml_.append_child("Project");
    project.append_attribute("version") = "1.0";
    pugi::xml_node application = project.append_child("Application");
    application.append_attribute("name") = "Amplitude";
    application.append_attribute("version") = "0.1.0";
    writeTransport(project.append_child("Transport"));
    pugi::xml_node structure = project.append_child("Structure");
    for (const auto* track : tracks_) writeTrack(structure, *track);
    writeArrangement(project.append_child("Arrangement"));
    warnAboutDocumentSettings();

    std::ostringstream text;
    xml_.save(text, "  ", pugi::format_default, pugi::encoding_utf8);
    ExportResult result;
    result.projectXml = text.str();
    zip_.add("project.xml", bytesOf(result.projectXml), true);
    zip_.add("metadata.xml", bytesOf(metadataXml()), true);
    result.archive = zip_.finish();
    result.warnings = std::move(warnings_);
    return result;
  }

 private:
  static std::vector<std::byte> bytesOf(const std::string& text) {
    const auto* begin = reinterpret_cast<const std::byte*>(text.data());
    return {begin, begin + text.size()};
  }

  void warn(std::string message) { warnings_.push_back(std::move(message)); }

  void reserve(const std::string& id) {
    if (isXmlId(id)) reserved_.insert(id);
  }

  /// The document id when it can be the XML id (an NCName not taken yet), else a new "idN".
  std::string xmlId(const std::string& preferred = "") {
    if (!preferred.empty() && isXmlId(preferred) && !used_.contains(preferred)) {
      used_.insert(preferred);
      return preferred;
    }
    while (true) {
      std::string id = "id" + std::to_string(++counter_);
      if (!used_.contains(id) && !reserved_.contains(id)) {
        used_.insert(id);
        return id;
      }
    }
  }

  std::vector<const project::Track*> sortedTracks() const {
    std::vector<const project::Track*> tracks;
    for (const auto& track : doc_.tracks) tracks.push_back(&track);
    std::stable_sort(tracks.begin(), tracks.end(), [](const auto* a, const auto* b) { return a->order != b->order ? a->order < b->order : a->id < b->id; });
    return tracks;
  }

  static void setNumber(pugi::xml_node node, const char* name, double value) { node.append_attribute(name) = numberText(value).c_str(); }

  pugi::xml_node realParameter(pugi::xml_node parent, const char* element, std::string_view unit, std::optional<double> value,
                               std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt, const std::string& name = "") {
    pugi::xml_node node = parent.append_child(element);
    node.append_attribute("id") = xmlId().c_str();
    if (!name.empty()) node.append_attribute("name") = name.c_str();
    node.append_attribute("unit") = std::string(unit).c_str();
    if (min) setNumber(node, "min", *min);
    if (max) setNumber(node, "max", *max);
    if (value) setNumber(node, "value", *value);
    return node;
  }

  pugi::xml_node boolParameter(pugi::xml_node parent, const char* element, bool value, const std::string& name = "") {
    pugi::xml_node node = parent.append_child(element);
    node.append_attribute("id") = xmlId().c_str();
    if (!name.empty()) node.append_attribute("name") = name.c_str();
    node.append_attribute("value") = value ? "true" : "false";
    return node;
  }

  // ---- transport -------------------------------------------------------------------------

  void writeTransport(pugi::xml_node transport) {
    pugi::xml_node tempo = realParameter(transport, "Tempo", "bpm", doc_.transport.tempoChanges.front().beatsPerMinute, 20.0, 999.0, "Tempo");
    tempoId_ = tempo.attribute("id").value();
    pugi::xml_node signature = transport.append_child("TimeSignature");
    signature.append_attribute("id") = xmlId().c_str();
    signature.append_attribute("numerator") = static_cast<long long>(doc_.transport.timeSignatureChanges.front().numerator);
    signature.append_attribute("denominator") = static_cast<long long>(doc_.transport.timeSignatureChanges.front().denominator);
    signatureId_ = signature.attribute("id").value();
  }

  // ---- structure -------------------------------------------------------------------------

  bool isSendTarget(const std::string& trackId) const {
    return std::any_of(doc_.tracks.begin(), doc_.tracks.end(), [&](const auto& t) {
      return std::any_of(t.sends.begin(), t.sends.end(), [&](const auto& s) { return s.target == trackId; });
    });
  }

  bool automated(const project::Track& track, AutomationTargetKind kind, const std::string& deviceId, const std::string& param) const {
    return std::any_of(track.automation.begin(), track.automation.end(), [&](const auto& lane) {
      const std::string laneDevice = lane.target.insertId.value_or(lane.target.sendId.value_or(""));
      return lane.target.kind == kind && laneDevice == deviceId && lane.target.param == param;
    });
  }

  void writeTrack(pugi::xml_node structure, const project::Track& track) {
    pugi::xml_node node = structure.append_child("Track");
    const bool notes = track.kind == project::TrackKind::instrument;
    node.append_attribute("contentType") = notes ? "notes" : "audio";
    node.append_attribute("loaded") = "true";
    node.append_attribute("id") = trackXmlIds_[track.id].c_str();
    node.append_attribute("name") = xmlText(track.name).c_str();
    node.append_attribute("color") = track.colour.c_str();

    pugi::xml_node channel = node.append_child("Channel");
    channel.append_attribute("audioChannels") = 2;
    if (track.output) channel.append_attribute("destination") = channelXmlIds_[*track.output].c_str();
    const char* role = track.kind == project::TrackKind::master ? "master"
                       : track.kind == project::TrackKind::bus  ? (isSendTarget(track.id) ? "effect" : "submix")
                                                                : "regular";
    channel.append_attribute("role") = role;
    channel.append_attribute("solo") = track.strip.solo ? "true" : "false";
    channel.append_attribute("id") = channelXmlIds_[track.id].c_str();
    channel.append_attribute("name") = xmlText(track.name).c_str();

    if (track.instrument || !track.inserts.empty()) {
      pugi::xml_node devices = channel.append_child("Devices");
      if (track.instrument) {
        const auto& instrument = *track.instrument;
        writeDevice(devices, track, instrument.id, std::string(project::toString(instrument.device)), instrument.enabled, instrument.params,
                    instrument.unknown, true);
      }
      for (const auto& insert : track.inserts) {
        writeDevice(devices, track, insert.id, std::string(project::toString(insert.device)), insert.enabled, insert.params, insert.unknown, false);
      }
    }
    const pugi::xml_node mute = boolParameter(channel, "Mute", track.strip.mute, "Mute");
    const pugi::xml_node pan = realParameter(channel, "Pan", "linear", track.strip.pan, -1.0, 1.0, "Pan");
    if (!track.sends.empty()) {
      pugi::xml_node sends = channel.append_child("Sends");
      for (const auto& send : track.sends) {
        pugi::xml_node sendNode = sends.append_child("Send");
        sendNode.append_attribute("id") = xmlId(send.id).c_str();
        sendNode.append_attribute("destination") = channelXmlIds_[send.target].c_str();
        sendNode.append_attribute("type") = send.preFader ? "pre" : "post";
        const pugi::xml_node level = realParameter(sendNode, "Volume", "decibel", send.levelDb, -96.0, 12.0, "Send level");
        targets_[targetKey(track.id, AutomationTargetKind::send, send.id, "level")] = level.attribute("id").value();
      }
    }
    const pugi::xml_node volume = realParameter(channel, "Volume", "decibel", track.strip.volumeDb, -96.0, 12.0, "Volume");
    targets_[targetKey(track.id, AutomationTargetKind::strip, "", "volume")] = volume.attribute("id").value();
    targets_[targetKey(track.id, AutomationTargetKind::strip, "", "pan")] = pan.attribute("id").value();
    targets_[targetKey(track.id, AutomationTargetKind::strip, "", "mute")] = mute.attribute("id").value();
    if (track.strip.invert) warn("track " + track.name + ": polarity invert is not exported (DAWproject has none)");
    if (track.strip.soloSafe) warn("track " + track.name + ": solo safe is not exported (DAWproject has none)");
  }

  void writeDevice(pugi::xml_node devices, const project::Track& track, const std::string& id, const std::string& name, bool enabled,
                   const project::Params& params, const std::optional<project::UnknownDevice>& unknown, bool instrument) {
    const AutomationTargetKind kind = instrument ? AutomationTargetKind::instrument : AutomationTargetKind::insert;
    const std::string laneDevice = instrument ? "" : id;
    if (name == "Unknown" && unknown) {
      if (unknown->format == project::PluginFormat::other && writeCapturedDevice(devices, track, id, enabled, params, *unknown, kind, laneDevice)) return;
      writeUnknownDevice(devices, track, id, enabled, params, *unknown, instrument, kind, laneDevice);
      return;
    }
    const protocol::DeviceInfo* device = amplitudeDevice(name);
    if (device == nullptr) return;  // a valid document has only the engine's devices here
    const char* element = name == "ParametricEq" ? "Equalizer" : name == "Compressor" ? "Compressor" : name == "Limiter" ? "Limiter" : "BuiltinDevice";
    pugi::xml_node node = devices.append_child(element);
    node.append_attribute("deviceID") = ("amplitude." + name).c_str();
    node.append_attribute("deviceName") = name.c_str();
    node.append_attribute("deviceRole") = instrument ? "instrument" : "audioFX";
    node.append_attribute("deviceVendor") = "Amplitude";
    node.append_attribute("loaded") = "true";
    node.append_attribute("id") = xmlId(id).c_str();
    node.append_attribute("name") = name.c_str();
    // The exact parameters, by name: what is set has a value, what is only automated has none.
    pugi::xml_node parameters = node.append_child("Parameters");
    for (std::size_t i = 0; i < device->paramCount; ++i) {
      const auto& declaration = device->params[i];
      const std::string param(declaration.name);
      const auto value = params.find(param);
      const bool isAutomated = automated(track, kind, laneDevice, param);
      if (value == params.end() && !isAutomated) continue;
      pugi::xml_node parameter = realParameter(parameters, "RealParameter", unitOf(declaration.unit),
                                               value == params.end() ? std::nullopt : std::optional<double>(value->second),
                                               declaredValue(declaration.min), declaredValue(declaration.max), param);
      parameter.append_attribute("parameterID") = declaration.id;
      if (isAutomated) targets_[targetKey(track.id, kind, laneDevice, param)] = parameter.attribute("id").value();
    }
    boolParameter(node, "Enabled", enabled, "On/Off");
    if (name == "ParametricEq") writeEqualizerBands(node, *device, params);
    if (name == "Compressor") writeCompressorElements(node, *device, params);
    if (name == "Limiter") writeLimiterElements(node, *device, params);
  }

  /// The standard <Band>s other DAWs read: the bands that are on or were set.
  void writeEqualizerBands(pugi::xml_node node, const protocol::DeviceInfo& device, const project::Params& params) {
    int order = 0;
    for (int band = 1; band <= 8; ++band) {
      const std::string prefix = "band" + std::to_string(band);
      const bool set = std::any_of(params.begin(), params.end(), [&](const auto& p) {
        return p.first.starts_with(prefix) && !std::isdigit(static_cast<unsigned char>(p.first[prefix.size()]));
      });
      const bool on = paramValue(params, device, prefix + "Enabled") != 0;
      if (!set && !on) continue;
      pugi::xml_node bandNode = node.append_child("Band");
      bandNode.append_attribute("type") = std::string(eqBandTypeToDawProject(static_cast<int>(paramValue(params, device, prefix + "Type")))).c_str();
      bandNode.append_attribute("order") = order++;
      realParameter(bandNode, "Freq", "hertz", paramValue(params, device, prefix + "Frequency"), 20.0, 20000.0);
      realParameter(bandNode, "Gain", "decibel", paramValue(params, device, prefix + "Gain"), -24.0, 24.0);
      realParameter(bandNode, "Q", "linear", paramValue(params, device, prefix + "Q"), 0.1, 18.0);
      boolParameter(bandNode, "Enabled", on);
    }
  }

  void writeCompressorElements(pugi::xml_node node, const protocol::DeviceInfo& device, const project::Params& params) {
    realParameter(node, "Attack", "seconds", paramValue(params, device, "attack") / 1000);
    realParameter(node, "OutputGain", "decibel", paramValue(params, device, "makeup"));
    realParameter(node, "Ratio", "linear", paramValue(params, device, "ratio"));
    realParameter(node, "Release", "seconds", paramValue(params, device, "release") / 1000);
    realParameter(node, "Threshold", "decibel", paramValue(params, device, "threshold"));
  }

  void writeLimiterElements(pugi::xml_node node, const protocol::DeviceInfo& device, const project::Params& params) {
    realParameter(node, "Attack", "seconds", paramValue(params, device, "lookahead") / 1000);
    realParameter(node, "Release", "seconds", paramValue(params, device, "release") / 1000);
    realParameter(node, "Threshold", "decibel", paramValue(params, device, "ceiling"));
  }

  static std::int64_t xmlParameterId(std::int64_t id) { return id > 2147483647LL ? id - (std::int64_t{1} << 32) : id; }

  void writeUnknownDevice(pugi::xml_node devices, const project::Track& track, const std::string& id, bool enabled, const project::Params& params,
                          const project::UnknownDevice& unknown, bool instrument, AutomationTargetKind kind, const std::string& laneDevice) {
    pugi::xml_node node = devices.append_child(std::string(pluginElement(unknown.format)).c_str());
    node.append_attribute("deviceID") = xmlText(unknown.pluginId).c_str();
    node.append_attribute("deviceName") = xmlText(unknown.name).c_str();
    node.append_attribute("deviceRole") = instrument ? "instrument" : "audioFX";
    if (!unknown.vendor.empty()) node.append_attribute("deviceVendor") = xmlText(unknown.vendor).c_str();
    const std::string deviceXmlId = xmlId(id);
    node.append_attribute("id") = deviceXmlId.c_str();
    node.append_attribute("name") = xmlText(unknown.name).c_str();
    if (!unknown.parameterIds.empty()) {
      pugi::xml_node parameters = node.append_child("Parameters");
      for (const std::int64_t parameterId : unknown.parameterIds) {
        const std::string key = std::to_string(parameterId);
        const auto value = params.find(key);
        pugi::xml_node parameter = realParameter(parameters, "RealParameter", "normalized",
                                                 value == params.end() ? std::nullopt : std::optional<double>(value->second));
        parameter.append_attribute("parameterID") = static_cast<long long>(xmlParameterId(parameterId));
        targets_[targetKey(track.id, kind, laneDevice, key)] = parameter.attribute("id").value();
      }
    }
    boolParameter(node, "Enabled", enabled, "On/Off");
    if (!unknown.state.empty()) {
      auto state = base64Decode(unknown.state);
      if (!state) throw DawProjectError("track " + track.name + ": device " + unknown.name + ": its state is not valid base64");
      const std::string path = "plugins/" + deviceXmlId + "." + std::string(stateExtension(unknown.format));
      zip_.add(path, std::move(*state), true);
      node.append_child("State").append_attribute("path") = path.c_str();
    }
  }

  /// A built-in device of another DAW kept as its own XML (see the importer): written back as it
  /// was, with new ids, its parameter values as the document has them now.
  bool writeCapturedDevice(pugi::xml_node devices, const project::Track& track, const std::string& id, bool enabled, const project::Params& params,
                           const project::UnknownDevice& unknown, AutomationTargetKind kind, const std::string& laneDevice) {
    static const std::set<std::string_view> kElements = {"NoiseGate", "BuiltinDevice", "Device", "Equalizer", "Compressor", "Limiter"};
    const auto state = base64Decode(unknown.state);
    if (!state || state->empty()) return false;
    pugi::xml_document captured;
    if (!captured.load_buffer(state->data(), state->size())) return false;
    const pugi::xml_node root = captured.document_element();
    if (!kElements.contains(root.name()) || !root.attribute("deviceName")) return false;
    pugi::xml_node node = devices.append_copy(root);
    node.remove_attribute("id");
    node.append_attribute("id") = xmlId(id).c_str();
    if (pugi::xml_node on = node.child("Enabled")) {
      on.remove_attribute("value");
      on.append_attribute("value") = enabled ? "true" : "false";
    }
    for (pugi::xml_node parameter : node.child("Parameters").children()) {
      const auto parameterId = parseNumber(parameter.attribute("parameterID").value());
      if (!parameterId) continue;
      const std::string key = std::to_string(*parameterId < 0 ? static_cast<std::int64_t>(*parameterId) + (std::int64_t{1} << 32)
                                                               : static_cast<std::int64_t>(*parameterId));
      if (const auto value = params.find(key); value != params.end() && std::string_view(parameter.name()) != "BoolParameter") {
        parameter.remove_attribute("value");
        setNumber(parameter, "value", value->second);
      }
      parameter.append_attribute("id") = xmlId().c_str();
      targets_[targetKey(track.id, kind, laneDevice, key)] = parameter.attribute("id").value();
    }
    return true;
  }

  // ---- arrangement -----------------------------------------------------------------------

  void writeArrangement(pugi::xml_node arrangement) {
    arrangement.append_attribute("id") = xmlId().c_str();
    pugi::xml_node lanes = arrangement.append_child("Lanes");
    lanes.append_attribute("timeUnit") = "beats";
    lanes.append_attribute("id") = xmlId().c_str();
    for (const auto* track : tracks_) {
      if (track->clips.empty() && track->automation.empty()) continue;
      pugi::xml_node trackLanes = lanes.append_child("Lanes");
      trackLanes.append_attribute("track") = trackXmlIds_[track->id].c_str();
      trackLanes.append_attribute("id") = xmlId().c_str();
      if (!track->clips.empty()) {
        pugi::xml_node clips = trackLanes.append_child("Clips");
        clips.append_attribute("id") = xmlId().c_str();
        for (const auto& clip : track->clips) {
          if (const auto* midi = std::get_if<project::MidiClip>(&clip)) writeMidiClip(clips, *midi);
          else writeAudioClip(clips, *track, std::get<project::AudioClip>(clip));
        }
      }
      for (const auto& lane : track->automation) writeLane(trackLanes, *track, lane);
    }
    if (!doc_.markers.empty()) {
      pugi::xml_node markers = arrangement.append_child("Markers");
      markers.append_attribute("id") = xmlId().c_str();
      for (const auto& marker : doc_.markers) {
        pugi::xml_node node = markers.append_child("Marker");
        setNumber(node, "time", marker.beat);
        node.append_attribute("name") = xmlText(marker.name).c_str();
        node.append_attribute("color") = marker.colour.c_str();
      }
    }
    if (doc_.transport.tempoChanges.size() > 1) {
      pugi::xml_node points = arrangement.append_child("TempoAutomation");
      points.append_attribute("id") = xmlId().c_str();
      points.append_attribute("unit") = "bpm";
      points.append_child("Target").append_attribute("parameter") = tempoId_.c_str();
      for (const auto& change : doc_.transport.tempoChanges) {
        pugi::xml_node point = points.append_child("RealPoint");
        setNumber(point, "time", change.beat);
        setNumber(point, "value", change.beatsPerMinute);
        point.append_attribute("interpolation") = "hold";
      }
    }
    if (doc_.transport.timeSignatureChanges.size() > 1) {
      pugi::xml_node points = arrangement.append_child("TimeSignatureAutomation");
      points.append_attribute("id") = xmlId().c_str();
      points.append_child("Target").append_attribute("parameter") = signatureId_.c_str();
      for (const auto& change : doc_.transport.timeSignatureChanges) {
        pugi::xml_node point = points.append_child("TimeSignaturePoint");
        setNumber(point, "time", meter_.beatAtBar(change.bar));
        point.append_attribute("numerator") = static_cast<long long>(change.numerator);
        point.append_attribute("denominator") = static_cast<long long>(change.denominator);
      }
    }
  }

  pugi::xml_node clipElement(pugi::xml_node clips, const std::string& name, double start, double length, const project::ClipLoop& loop, bool muted) {
    pugi::xml_node node = clips.append_child("Clip");
    setNumber(node, "time", start);
    setNumber(node, "duration", length);
    node.append_attribute("contentTimeUnit") = "beats";
    node.append_attribute("playStart") = "0";
    if (loop.enabled) {
      node.append_attribute("loopStart") = "0";
      setNumber(node, "loopEnd", loop.lengthBeats);
    }
    if (muted) node.append_attribute("enable") = "false";
    node.append_attribute("name") = xmlText(name).c_str();
    return node;
  }

  void writeMidiClip(pugi::xml_node clips, const project::MidiClip& clip) {
    pugi::xml_node node = clipElement(clips, clip.name, clip.startBeat, clip.lengthBeats, clip.loop, clip.muted);
    pugi::xml_node notes = node.append_child("Notes");
    notes.append_attribute("id") = xmlId().c_str();
    for (const auto& note : clip.notes) {
      pugi::xml_node noteNode = notes.append_child("Note");
      setNumber(noteNode, "time", note.startBeat);
      setNumber(noteNode, "duration", note.lengthBeats);
      noteNode.append_attribute("channel") = static_cast<long long>(note.channel);
      noteNode.append_attribute("key") = static_cast<long long>(note.pitch);
      setNumber(noteNode, "vel", note.velocity);
      setNumber(noteNode, "rel", note.releaseVelocity);
    }
  }

  void writeAudioClip(pugi::xml_node clips, const project::Track& track, const project::AudioClip& clip) {
    const auto& asset = *std::find_if(doc_.assets.begin(), doc_.assets.end(), [&](const auto& a) { return a.id == clip.assetId; });
    const std::string path = assetPath(asset);
    pugi::xml_node node = clipElement(clips, clip.name, clip.startBeat, clip.lengthBeats, clip.loop, clip.muted);
    node.append_attribute("fadeTimeUnit") = "beats";
    setNumber(node, "fadeInTime", clip.fadeIn.lengthBeats);
    setNumber(node, "fadeOutTime", clip.fadeOut.lengthBeats);
    if (clip.gainDb != 0) warn("track " + track.name + ", clip " + clip.name + ": clip gain " + numberText(clip.gainDb) + " dB is not exported (DAWproject clips have no gain)");
    if ((clip.fadeIn.lengthBeats > 0 && clip.fadeIn.curve != project::FadeCurve::linear) ||
        (clip.fadeOut.lengthBeats > 0 && clip.fadeOut.curve != project::FadeCurve::linear)) {
      warn("track " + track.name + ", clip " + clip.name + ": fade curves are exported as plain fades (DAWproject has no curve shape)");
    }
    // Amplitude plays audio at its own speed: the warp markers say so in DAWproject's terms, one
    // at the start, one at each tempo change inside the clip, one at the end (and at the loop's
    // end when it is longer), so every DAW places the same samples on the same beats.
    pugi::xml_node warps = node.append_child("Warps");
    warps.append_attribute("contentTimeUnit") = "seconds";
    warps.append_attribute("timeUnit") = "beats";
    warps.append_attribute("id") = xmlId().c_str();
    pugi::xml_node audio = warps.append_child("Audio");
    audio.append_attribute("algorithm") = "raw";
    audio.append_attribute("channels") = static_cast<long long>(asset.channels);
    audio.append_attribute("sampleRate") = static_cast<long long>(asset.sampleRate);
    setNumber(audio, "duration", static_cast<double>(asset.frames) / static_cast<double>(asset.sampleRate));
    audio.append_attribute("timeUnit") = "seconds";
    audio.append_attribute("id") = xmlId().c_str();
    audio.append_child("File").append_attribute("path") = path.c_str();
    const double startSeconds = tempo_.secondsAtBeat(clip.startBeat);
    const double contentBeats = std::max(clip.lengthBeats, clip.loop.enabled ? clip.loop.lengthBeats : 0.0);
    const auto warpAt = [&](double beatInClip) {
      pugi::xml_node warp = warps.append_child("Warp");
      setNumber(warp, "time", beatInClip);
      setNumber(warp, "contentTime", clip.sourceOffsetSeconds + (tempo_.secondsAtBeat(clip.startBeat + beatInClip) - startSeconds));
    };
    warpAt(0);
    for (const auto& change : doc_.transport.tempoChanges) {
      if (change.beat > clip.startBeat && change.beat < clip.startBeat + contentBeats) warpAt(change.beat - clip.startBeat);
    }
    warpAt(contentBeats);
  }

  std::string assetPath(const project::Asset& asset) {
    if (const auto known = assetPaths_.find(asset.id); known != assetPaths_.end()) return known->second;
    const std::filesystem::path directory = options_.assetsDirectory;
    std::vector<std::filesystem::path> candidates = {directory / (asset.sha256 + ".wav"), directory / asset.sha256,
                                                     directory / (asset.sha256 + "." + extensionForMime(asset.mime)), directory / (asset.id + ".wav")};
    if (!asset.name.empty() && asset.name.find('/') == std::string::npos && asset.name != "." && asset.name != "..") candidates.push_back(directory / asset.name);
    std::optional<std::filesystem::path> found;
    for (const auto& candidate : candidates) {
      std::error_code error;
      if (std::filesystem::is_regular_file(candidate, error)) {
        found = candidate;
        break;
      }
    }
    if (!found) {
      throw DawProjectError("asset '" + asset.name + "' (sha256 " + asset.sha256 + ") is not in " + directory.string() + " (looked for " +
                            asset.sha256 + ".wav, " + asset.sha256 + ", " + asset.id + ".wav and its name)");
    }
    std::ifstream in(*found, std::ios::binary);
    std::vector<std::byte> bytes(static_cast<std::size_t>(std::filesystem::file_size(*found)));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!in) throw DawProjectError(found->string() + ": cannot be read");
    // A name that is safe as an archive path: no directories, no control characters.
    std::string name;
    for (const char c : asset.name) name += (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == ':') ? '_' : c;
    if (name.empty() || name == "." || name == "..") name = asset.id;
    const std::string extension = "." + extensionForMime(asset.mime);
    if (name.size() < extension.size() || name.compare(name.size() - extension.size(), extension.size(), extension) != 0) name += extension;
    std::string path = "audio/" + name;
    if (usedPaths_.contains(path)) path = "audio/" + asset.id + "-" + name;
    usedPaths_.insert(path);
    zip_.add(path, std::move(bytes), false);
    assetPaths_[asset.id] = path;
    return path;
  }

  void writeLane(pugi::xml_node trackLanes, const project::Track& track, const project::AutomationLane& lane) {
    const std::string device = lane.target.insertId.value_or(lane.target.sendId.value_or(""));
    const auto target = targets_.find(targetKey(track.id, lane.target.kind, device, lane.target.param));
    if (target == targets_.end()) {
      warn("track " + track.name + ": automation of " + std::string(project::toString(lane.target.kind)) + " " + lane.target.param +
           " is not exported (DAWproject has no such parameter)");
      return;
    }
    const bool boolean = lane.target.kind == AutomationTargetKind::strip && lane.target.param == "mute";
    pugi::xml_node points = trackLanes.append_child("Points");
    points.append_attribute("id") = xmlId().c_str();
    points.append_child("Target").append_attribute("parameter") = target->second.c_str();
    std::size_t curved = 0;
    for (const auto& point : lane.points) {
      pugi::xml_node node = points.append_child(boolean ? "BoolPoint" : "RealPoint");
      setNumber(node, "time", point.beat);
      if (boolean) {
        node.append_attribute("value") = point.value != 0 ? "true" : "false";
        continue;
      }
      setNumber(node, "value", point.value);
      node.append_attribute("interpolation") = point.shape == project::PointShape::hold ? "hold" : "linear";
      if (point.shape == project::PointShape::curved) ++curved;
    }
    if (curved > 0) {
      warn("track " + track.name + ": " + std::to_string(curved) + " curved automation segment(s) of " + lane.target.param +
           " are exported as straight lines (DAWproject has hold and linear only)");
    }
  }

  void warnAboutDocumentSettings() {
    if (doc_.transport.loop.enabled) warn("the loop region is not exported (DAWproject has no transport loop)");
    if (doc_.transport.metronome.enabled) warn("the metronome settings are not exported (DAWproject has none)");
  }

  std::string metadataXml() const {
    pugi::xml_document metadata;
    auto declaration = metadata.append_child(pugi::node_declaration);
    declaration.append_attribute("version") = "1.0";
    declaration.append_attribute("encoding") = "UTF-8";
    declaration.append_attribute("standalone") = "yes";
    metadata.append_child("MetaData").append_child("Title").text() = xmlText(doc_.project.name).c_str();
    std::ostringstream text;
    metadata.save(text, "  ", pugi::format_default, pugi::encoding_utf8);
    return text.str();
  }

  const project::ProjectDocument& doc_;
  const ExportOptions& options_;
  project::TempoMap tempo_;
  project::MeterMap meter_;
  pugi::xml_document xml_;
  ZipWriter zip_;
  std::vector<const project::Track*> tracks_;
  std::set<std::string> reserved_;
  std::set<std::string> used_;
  std::uint64_t counter_ = 0;
  std::map<std::string, std::string> trackXmlIds_;
  std::map<std::string, std::string> channelXmlIds_;
  std::map<std::string, std::string> targets_;
  std::map<std::string, std::string> assetPaths_;
  std::set<std::string> usedPaths_;
  std::string tempoId_;
  std::string signatureId_;
  std::vector<std::string> warnings_;
};

}  // namespace

ExportResult exportDawProject(const project::ProjectDocument& document, const ExportOptions& options) {
  return Exporter(document, options).run();
}

ExportResult exportDawProjectFile(const project::ProjectDocument& document, const std::filesystem::path& path, const ExportOptions& options) {
  ExportResult result = exportDawProject(document, options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(result.archive.data()), static_cast<std::streamsize>(result.archive.size()));
  if (!out) throw DawProjectError("cannot write " + path.string());
  return result;
}

}  // namespace amplitude::io::dawproject
