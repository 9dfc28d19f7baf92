// DAWproject -> Amplitude document. Reads in this order: the archive and project.xml, the
// transport, the structure (tracks, channels, devices, sends: every XML parameter id is noted
// with what it drives), the tempo and metre automation (so every later time can be converted),
// then the arrangement's lanes (clips, notes, audio, automation points), and finally checks the
// document it made against the schema and the rules.
#include <amplitude/io/WavFile.h>
#include <amplitude/io/dawproject/AmplitudeDevices.h>
#include <amplitude/io/dawproject/Conversions.h>
#include <amplitude/io/dawproject/DawProject.h>
#include <amplitude/io/dawproject/DeviceImport.h>
#include <amplitude/io/dawproject/ImportModel.h>
#include <amplitude/io/dawproject/XmlContext.h>
#include <amplitude/io/dawproject/ZipArchive.h>
#include <amplitude/project/TempoMap.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <variant>

// Bindings are written with designated initializers naming only the fields that matter; the
// others keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace amplitude::io::dawproject {

namespace {

using project::AutomationTargetKind;
using namespace import_detail;

constexpr std::size_t kMaxWarnings = 500;
constexpr int kMaxLaneDepth = 32;

struct PendingSend {
  std::string id;
  std::string destination;
  double levelDb = 0;
  bool preFader = false;
  pugi::xml_node node;
};

/// A track as read from <Structure>, before routing is resolved.
struct PendingTrack {
  std::string role;          ///< the channel's mixer role: regular, master, effect, submix, vca
  std::string destination;   ///< XML id of the channel it plays into
  std::vector<PendingSend> sends;
  bool contentNotes = false;
  pugi::xml_node node;
};

std::string nowTimestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto milliseconds = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char result[40];
  std::snprintf(result, sizeof result, "%s.%03dZ", text, static_cast<int>(milliseconds));
  return result;
}

std::string lowercaseExtension(const std::string& path) {
  const auto dot = path.find_last_of('.');
  const auto slash = path.find_last_of('/');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string extension = path.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return std::tolower(c); });
  return extension;
}

std::string mimeForExtension(const std::string& extension) {
  if (extension == "wav" || extension == "wave") return "audio/wav";
  if (extension == "flac") return "audio/flac";
  if (extension == "mp3") return "audio/mpeg";
  if (extension == "ogg" || extension == "oga") return "audio/ogg";
  if (extension == "aif" || extension == "aiff") return "audio/aiff";
  if (extension == "m4a" || extension == "aac") return "audio/mp4";
  return "application/octet-stream";
}

class Importer {
 public:
  Importer(std::span<const std::byte> archive, const ImportOptions& options) : options_(options), zip_(archive, options.limits) {}

  ImportResult run() {
    const auto projectBytes = zip_.read("project.xml", options_.limits.maxXmlBytes);
    if (!projectBytes) throw DawProjectError("not a DAWproject file: the archive has no project.xml");
    xml_.emplace("project.xml", std::string(reinterpret_cast<const char*>(projectBytes->data()), projectBytes->size()));
    devices_.emplace(*xml_, zip_, ids_, [this](std::string message) { warn(std::move(message)); }, options_.limits.maxEntryBytes);
    const pugi::xml_node root = xml_->document().document_element();
    if (std::string_view(root.name()) != "Project") {
      throw DawProjectError("project.xml: the root element is <" + std::string(root.name()) + ">, not <Project>");
    }
    if (!root.attribute("version")) warn(xml_->where(root) + ": no version attribute; read as DAWproject 1.0");

    initialiseDocument(*projectBytes);
    readTransport(root.child("Transport"));
    for (pugi::xml_node child : root.child("Structure").children()) readStructureNode(child, std::nullopt);
    if (doc_.tracks.size() > 1024) throw DawProjectError("project.xml: " + std::to_string(doc_.tracks.size()) + " tracks; Amplitude holds at most 1024");
    resolveMasterAndRouting();

    const pugi::xml_node arrangement = root.child("Arrangement");
    readTempoAndMetre(arrangement);
    tempo_.emplace(doc_.transport.tempoChanges);
    if (arrangement) {
      readMarkers(arrangement.child("Markers"), TimeUnit::beats);
      if (const auto lanes = arrangement.child("Lanes")) readLanes(lanes, TimeUnit::beats, std::nullopt, 0);
    }
    if (root.child("Scenes").first_child()) warn("project.xml: <Scenes> (clip launcher) are not imported; Amplitude has no clip launcher");
    finishTracks();
    return finish();
  }

 private:
  // ---- bookkeeping ------------------------------------------------------------------------

  void warn(std::string message) {
    if (warnings_.size() < kMaxWarnings) warnings_.push_back(std::move(message));
    else ++droppedWarnings_;
  }

  const XmlContext& xml() const { return *xml_; }

  void initialiseDocument(const std::vector<std::byte>& projectBytes) {
    doc_.project.id = "dawproject-" + sha256Hex(projectBytes).substr(0, 12);
    doc_.project.name = truncated(readTitle().value_or(options_.fallbackName));
    doc_.project.created = options_.timestamp.empty() ? nowTimestamp() : options_.timestamp;
    doc_.project.modified = doc_.project.created;
    doc_.project.sampleRate = options_.defaultSampleRate;
    doc_.transport.loop = {false, 0, 16};
    doc_.transport.metronome = {false, 0, -6};
    ids_.take(doc_.project.id, "project");
  }

  std::optional<std::string> readTitle() {
    const auto bytes = zip_.read("metadata.xml", options_.limits.maxXmlBytes);
    if (!bytes) return std::nullopt;
    pugi::xml_document metadata;
    if (!metadata.load_buffer(bytes->data(), bytes->size())) {
      warn("metadata.xml: malformed XML; the project's title is not imported");
      return std::nullopt;
    }
    const std::string title = metadata.child("MetaData").child_value("Title");
    if (title.empty()) return std::nullopt;
    return title;
  }

  // ---- transport -------------------------------------------------------------------------

  double transportBpm_ = 120;

  void readTransport(pugi::xml_node transport) {
    double bpm = 120;
    std::int64_t numerator = 4;
    std::int64_t denominator = 4;
    if (const auto tempo = transport.child("Tempo")) {
      const std::string unit = tempo.attribute("unit").value();
      if (!unit.empty() && unit != "bpm") xml().failAttribute(tempo, "unit", "'" + unit + "' is not a tempo unit (bpm)");
      bpm = fitTempo(xml().number(tempo, "value").value_or(120), tempo);
      registerBinding(tempo, ParamBinding{.param = "tempo", .unit = "bpm", .tempo = true});
    }
    if (const auto signature = transport.child("TimeSignature")) {
      numerator = xml().requiredInteger(signature, "numerator");
      denominator = xml().requiredInteger(signature, "denominator");
      checkSignature(signature, numerator, denominator);
      registerBinding(signature, ParamBinding{.param = "timeSignature", .timeSignature = true});
    }
    transportBpm_ = bpm;
    doc_.transport.tempoChanges = {{ids_.take("", "tempo"), 0, bpm}};
    doc_.transport.timeSignatureChanges = {{ids_.take("", "metre"), 0, numerator, denominator}};
  }

  double fitTempo(double bpm, pugi::xml_node node) {
    const double fitted = std::clamp(bpm, 20.0, 999.0);
    if (fitted != bpm) warn(xml().where(node) + ": tempo " + numberText(bpm) + " BPM is outside 20..999; set to " + numberText(fitted));
    return fitted;
  }

  void checkSignature(pugi::xml_node node, std::int64_t numerator, std::int64_t denominator) {
    if (numerator < 1 || numerator > 64) xml().failAttribute(node, "numerator", std::to_string(numerator) + " is outside 1..64");
    if (denominator < 1 || denominator > 32 || (denominator & (denominator - 1)) != 0) {
      xml().failAttribute(node, "denominator", std::to_string(denominator) + " is not one of 1, 2, 4, 8, 16, 32");
    }
  }

  void registerBinding(pugi::xml_node parameter, ParamBinding binding) {
    const std::string id = parameter.attribute("id").value();
    if (id.empty()) return;
    if (binding.unit.empty()) binding.unit = parameter.attribute("unit").value();
    if (!binding.min) binding.min = xml().number(parameter, "min");
    if (!binding.max) binding.max = xml().number(parameter, "max");
    bindings_[id] = std::move(binding);
  }

  // ---- structure -------------------------------------------------------------------------

  void readStructureNode(pugi::xml_node node, std::optional<std::size_t> parent) {
    const std::string_view name = node.name();
    if (name == "Track") {
      readTrack(node, parent);
    } else if (name == "Channel") {
      const std::size_t index = newTrack(node, node.attribute("name").value());
      readChannel(node, index);
    } else if (node.type() == pugi::node_element) {
      warn(xml().where(node) + ": not a Track or Channel; skipped");
    }
  }

  std::size_t newTrack(pugi::xml_node node, std::string_view name) {
    project::Track track;
    track.id = ids_.take(node.attribute("id").value(), "track");
    track.kind = project::TrackKind::audio;
    track.name = truncated(name);
    const std::string colour = node.attribute("color").value();
    track.colour = isColour(colour) ? colour : (isColour(colour.substr(0, 7)) ? colour.substr(0, 7) : "#808080");
    if (!colour.empty() && colour != track.colour) warn(xml().where(node) + ": colour '" + colour + "' read as " + track.colour);
    track.order = static_cast<double>(doc_.tracks.size());
    track.strip = {0, 0, false, false, false, false};
    doc_.tracks.push_back(std::move(track));
    pending_.push_back(PendingTrack{.node = node});
    if (const std::string id = node.attribute("id").value(); !id.empty()) trackByXmlId_[id] = doc_.tracks.size() - 1;
    return doc_.tracks.size() - 1;
  }

  void readTrack(pugi::xml_node node, std::optional<std::size_t> parent) {
    const std::size_t index = newTrack(node, node.attribute("name").value());
    std::istringstream types(node.attribute("contentType").value());
    for (std::string type; types >> type;) {
      if (type == "notes") pending_[index].contentNotes = true;
    }
    if (const auto channel = node.child("Channel")) {
      readChannel(channel, index);
    } else {
      pending_[index].role = node.child("Track") ? "submix" : "regular";  // a folder of tracks is a group
    }
    if (parent && pending_[index].destination.empty()) pending_[index].destination = pending_[*parent].node.attribute("id").value();
    for (pugi::xml_node child : node.children("Track")) readTrack(child, index);
  }

  void readChannel(pugi::xml_node channel, std::size_t index) {
    project::Track& track = doc_.tracks[index];
    PendingTrack& pending = pending_[index];
    if (const std::string id = channel.attribute("id").value(); !id.empty()) trackByXmlId_[id] = index;
    pending.role = channel.attribute("role") ? channel.attribute("role").value() : "regular";
    pending.destination = channel.attribute("destination").value();
    track.strip.solo = xml().boolean(channel, "solo").value_or(false);
    const std::string where = "track " + track.name;
    if (const auto volume = channel.child("Volume")) {
      track.strip.volumeDb = fitRange(volumeDb(volume), -96, 12, xml().where(volume) + " (" + where + " volume, dB)");
      registerBinding(volume, {.track = index, .param = "volume", .device = "ChannelStrip", .valueKind = ValueKind::decibels});
    }
    if (const auto pan = channel.child("Pan")) {
      const double value = xml().number(pan, "value").value_or(0);
      track.strip.pan = fitRange(panFromDawProject(value, pan.attribute("unit").value(), xml().number(pan, "min"), xml().number(pan, "max")),
                                 -1, 1, xml().where(pan) + " (" + where + " pan)");
      registerBinding(pan, {.track = index, .param = "pan", .device = "ChannelStrip", .valueKind = ValueKind::pan});
    }
    if (const auto mute = channel.child("Mute")) {
      track.strip.mute = xml().boolean(mute, "value").value_or(false);
      registerBinding(mute, {.track = index, .param = "mute", .device = "ChannelStrip", .valueKind = ValueKind::boolean});
    }
    for (pugi::xml_node send : channel.child("Sends").children("Send")) readSend(send, index);
    for (pugi::xml_node device : channel.child("Devices").children()) {
      if (device.type() != pugi::node_element) continue;
      auto imported = devices_->read(device, where);
      if (!imported) continue;
      attachDevice(std::move(*imported), index, device);
    }
  }

  double volumeDb(pugi::xml_node volume) {
    const std::string unit = volume.attribute("unit").value();
    const double value = xml().number(volume, "value").value_or(unit == "decibel" ? 0.0 : 1.0);
    if (unit == "decibel") return value;
    if (unit == "linear" || unit.empty()) return decibelsFromGain(value);
    xml().failAttribute(volume, "unit", "'" + unit + "' is not a volume unit Amplitude reads (linear or decibel)");
  }

  static double panFromDawProject(double value, std::string_view unit, std::optional<double> min, std::optional<double> max) {
    if (unit == "linear" && (!min || *min == -1) && (!max || *max == 1)) return value;  // already ours, exactly
    if (min && max && *max > *min) return -1 + 2 * (value - *min) / (*max - *min);
    if (unit == "normalized") return 2 * value - 1;
    if (unit == "percent") return value / 100;
    return value;
  }

  double fitRange(double value, double low, double high, const std::string& what) {
    const double fitted = std::clamp(value, low, high);
    if (fitted != value) warn(what + ": " + numberText(value) + " is outside " + numberText(low) + ".." + numberText(high) + "; set to " + numberText(fitted));
    return fitted;
  }

  void readSend(pugi::xml_node node, std::size_t index) {
    PendingSend send;
    send.node = node;
    send.id = ids_.take(node.attribute("id").value(), "send");
    send.destination = node.attribute("destination").value();
    const std::string type = node.attribute("type") ? node.attribute("type").value() : "post";
    if (type != "pre" && type != "post") xml().failAttribute(node, "type", "'" + type + "' is not pre or post");
    send.preFader = type == "pre";
    const auto volume = node.child("Volume");
    send.levelDb = volume ? fitRange(volumeDb(volume), -96, 12, xml().where(volume) + " (send level, dB)") : 0.0;
    if (volume) registerBinding(volume, {.track = index, .kind = AutomationTargetKind::send, .sendId = send.id, .param = "level", .device = "Send", .valueKind = ValueKind::decibels});
    if (const auto enable = node.child("Enable"); enable && !xml().boolean(enable, "value").value_or(true)) {
      warn(xml().where(node) + ": a disabled send is imported at -96 dB (Amplitude's sends are always on)");
      send.levelDb = -96;
    }
    if (const auto pan = node.child("Pan")) {
      const double value = panFromDawProject(xml().number(pan, "value").value_or(0), pan.attribute("unit").value(), xml().number(pan, "min"), xml().number(pan, "max"));
      if (std::abs(value) > 1e-9) warn(xml().where(pan) + ": send pan is not imported (Amplitude's sends keep the track's stereo image)");
    }
    pending_[index].sends.push_back(std::move(send));
  }

  void attachDevice(ImportedDevice device, std::size_t index, pugi::xml_node node) {
    project::Track& track = doc_.tracks[index];
    AutomationTargetKind kind = AutomationTargetKind::insert;
    if (device.instrument && !effectNamed(device.name)) {
      if (track.instrument) {
        warn(xml().where(node) + ": a second instrument on track " + track.name + " is not imported");
        return;
      }
      project::Instrument instrument;
      instrument.id = device.id;
      instrument.device = instrumentNamed(device.name).value_or(project::InstrumentDeviceName::Unknown);
      instrument.enabled = device.enabled;
      instrument.params = std::move(device.params);
      instrument.unknown = std::move(device.unknown);
      track.instrument = std::move(instrument);
      kind = AutomationTargetKind::instrument;
    } else {
      if (track.inserts.size() == 64) {
        warn(xml().where(node) + ": track " + track.name + " has more than 64 effects; this one is not imported");
        return;
      }
      project::Insert insert;
      insert.id = device.id;
      insert.device = effectNamed(device.name).value_or(project::EffectDeviceName::Unknown);
      insert.enabled = device.enabled;
      insert.params = std::move(device.params);
      insert.unknown = std::move(device.unknown);
      track.inserts.push_back(std::move(insert));
    }
    for (auto& [parameter, binding] : device.bindings) {
      binding.track = index;
      binding.kind = kind;
      if (kind == AutomationTargetKind::insert) binding.insertId = device.id;
      registerBinding(parameter, std::move(binding));
    }
  }

  // ---- routing ---------------------------------------------------------------------------

  void resolveMasterAndRouting() {
    std::optional<std::size_t> master;
    for (std::size_t i = 0; i < doc_.tracks.size(); ++i) {
      const std::string& role = pending_[i].role;
      if (role == "master" && !master) {
        master = i;
        doc_.tracks[i].kind = project::TrackKind::master;
      } else if (role == "master" || role == "effect" || role == "submix" || role == "vca") {
        if (role == "master") warn(xml().where(pending_[i].node) + ": a second master channel is imported as a bus");
        if (role == "vca") warn(xml().where(pending_[i].node) + ": a VCA channel is imported as a bus (Amplitude has no VCAs)");
        doc_.tracks[i].kind = project::TrackKind::bus;
      } else {
        doc_.tracks[i].kind = pending_[i].contentNotes ? project::TrackKind::instrument : project::TrackKind::audio;
      }
    }
    if (!master) {
      project::Track track;
      track.id = ids_.take("master", "track");
      track.kind = project::TrackKind::master;
      track.name = "Master";
      track.colour = "#c0c0c0";
      track.order = static_cast<double>(doc_.tracks.size());
      track.strip = {0, 0, false, false, false, false};
      doc_.tracks.push_back(std::move(track));
      pending_.push_back(PendingTrack{.role = "master"});
      master = doc_.tracks.size() - 1;
      warn("project.xml: no master channel; a master track was added");
    }
    const auto busOrMaster = [&](std::size_t i) {
      return doc_.tracks[i].kind == project::TrackKind::bus || doc_.tracks[i].kind == project::TrackKind::master;
    };
    for (std::size_t i = 0; i < doc_.tracks.size(); ++i) {
      project::Track& track = doc_.tracks[i];
      if (track.kind == project::TrackKind::master) continue;
      track.output = doc_.tracks[*master].id;
      const std::string& destination = pending_[i].destination;
      if (!destination.empty()) {
        const auto target = trackByXmlId_.find(destination);
        if (target == trackByXmlId_.end()) {
          warn(xml().where(pending_[i].node) + ": destination '" + destination + "' is not a channel; routed to the master");
        } else if (target->second == i || !busOrMaster(target->second)) {
          warn(xml().where(pending_[i].node) + ": destination '" + destination + "' is not a bus or the master; routed to the master");
        } else {
          track.output = doc_.tracks[target->second].id;
        }
      }
      for (auto& send : pending_[i].sends) {
        const auto target = trackByXmlId_.find(send.destination);
        if (target == trackByXmlId_.end() || target->second == i || doc_.tracks[target->second].kind != project::TrackKind::bus) {
          warn(xml().where(send.node) + ": destination '" + send.destination + "' is not a bus; the send is not imported");
          continue;
        }
        if (track.sends.size() == 64) {
          warn(xml().where(send.node) + ": more than 64 sends; not imported");
          continue;
        }
        track.sends.push_back({send.id, doc_.tracks[target->second].id, send.levelDb, send.preFader});
      }
    }
  }

  // ---- tempo and metre -------------------------------------------------------------------

  /// Tempo and metre automation, wherever it is (TempoAutomation/TimeSignatureAutomation or
  /// Points aimed at the transport's parameters), read before anything else is converted.
  void readTempoAndMetre(pugi::xml_node arrangement) {
    std::vector<std::pair<pugi::xml_node, TimeUnit>> tempoPoints;
    std::vector<std::pair<pugi::xml_node, TimeUnit>> metrePoints;
    if (const auto points = arrangement.child("TempoAutomation")) tempoPoints.emplace_back(points, xml().timeUnit(points, TimeUnit::beats));
    if (const auto points = arrangement.child("TimeSignatureAutomation")) metrePoints.emplace_back(points, xml().timeUnit(points, TimeUnit::beats));
    collectTransportPoints(arrangement.child("Lanes"), TimeUnit::beats, tempoPoints, metrePoints, 0);
    for (const auto& [points, unit] : tempoPoints) readTempoPoints(points, unit);
    project::TempoMap tempo(doc_.transport.tempoChanges);
    for (const auto& [points, unit] : metrePoints) readMetrePoints(points, unit, tempo);
  }

  void collectTransportPoints(pugi::xml_node lanes, TimeUnit unit, std::vector<std::pair<pugi::xml_node, TimeUnit>>& tempo,
                              std::vector<std::pair<pugi::xml_node, TimeUnit>>& metre, int depth) {
    if (!lanes || depth > kMaxLaneDepth) return;
    unit = xml().timeUnit(lanes, unit);
    for (pugi::xml_node child : lanes.children()) {
      const std::string_view name = child.name();
      if (name == "Lanes") collectTransportPoints(child, unit, tempo, metre, depth + 1);
      if (name != "Points") continue;
      const auto binding = bindings_.find(child.child("Target").attribute("parameter").value());
      if (binding == bindings_.end()) continue;
      if (binding->second.tempo) tempo.emplace_back(child, xml().timeUnit(child, unit));
      if (binding->second.timeSignature) metre.emplace_back(child, xml().timeUnit(child, unit));
    }
  }

  void readTempoPoints(pugi::xml_node points, TimeUnit unit) {
    struct Segment {
      double beat, seconds, bpm;
    };
    std::vector<std::pair<double, pugi::xml_node>> timed;
    for (pugi::xml_node point : points.children()) {
      if (point.type() != pugi::node_element || std::string_view(point.name()) == "Target") continue;
      if (std::string_view(point.name()) != "RealPoint") xml().fail(point, "a tempo point must be a RealPoint");
      timed.emplace_back(xml().requiredNumber(point, "time"), point);
    }
    std::stable_sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    // Seconds become beats through the tempo so far (each tempo holds until the next point).
    std::vector<Segment> segments{{0, 0, doc_.transport.tempoChanges.front().beatsPerMinute}};
    bool warnedLinear = false;
    for (const auto& [time, point] : timed) {
      if (time < 0) {
        warn(xml().where(point) + ": a tempo point before the start is not imported");
        continue;
      }
      const double bpm = fitTempo(xml().requiredNumber(point, "value"), point);
      if (std::string_view(point.attribute("interpolation").value()) == "linear" && !warnedLinear) {
        warnedLinear = true;
        warn(xml().where(point) + ": tempo ramps are imported as steps at each point (Amplitude's tempo changes are steps)");
      }
      const Segment& last = segments.back();
      const double beat = unit == TimeUnit::beats ? time : last.beat + (time - last.seconds) * last.bpm / 60;
      const double seconds = unit == TimeUnit::seconds ? time : last.seconds + (beat - last.beat) * 60 / last.bpm;
      if (beat > 1e6) continue;
      if (beat <= last.beat + 1e-12) segments.back().bpm = bpm;  // same position: the later point wins
      else segments.push_back({beat, seconds, bpm});
    }
    doc_.transport.tempoChanges.clear();
    for (const auto& segment : segments) doc_.transport.tempoChanges.push_back({ids_.take("", "tempo"), segment.beat, segment.bpm});
  }

  void readMetrePoints(pugi::xml_node points, TimeUnit unit, const project::TempoMap& tempo) {
    std::vector<std::pair<double, pugi::xml_node>> timed;
    for (pugi::xml_node point : points.children("TimeSignaturePoint")) {
      const double time = xml().requiredNumber(point, "time");
      timed.emplace_back(unit == TimeUnit::beats ? time : tempo.beatAtSeconds(time), point);
    }
    std::stable_sort(timed.begin(), timed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    auto& changes = doc_.transport.timeSignatureChanges;
    double segmentBeat = 0;  // where the last change's bar starts
    for (const auto& [beat, point] : timed) {
      const std::int64_t numerator = xml().requiredInteger(point, "numerator");
      const std::int64_t denominator = xml().requiredInteger(point, "denominator");
      checkSignature(point, numerator, denominator);
      if (beat < 0 || beat > 1e6) continue;
      const auto& last = changes.back();
      const double beatsPerBar = static_cast<double>(last.numerator * 4) / static_cast<double>(last.denominator);
      const double bars = (beat - segmentBeat) / beatsPerBar;
      std::int64_t bar = last.bar + static_cast<std::int64_t>(std::ceil(bars - 1e-9));
      if (std::abs(bars - std::round(bars)) > 1e-9) {
        warn(xml().where(point) + ": a time signature change inside a bar moves to the next bar line (bar " + std::to_string(bar) + ")");
      }
      if (bar <= last.bar) {
        changes.back().numerator = numerator;  // at the same bar: the later point wins
        changes.back().denominator = denominator;
        continue;
      }
      segmentBeat += static_cast<double>(bar - last.bar) * beatsPerBar;
      changes.push_back({ids_.take("", "metre"), bar, numerator, denominator});
    }
  }

  // ---- arrangement -----------------------------------------------------------------------

  std::optional<project::TempoMap> tempo_;

  double toBeat(double time, TimeUnit unit) const { return unit == TimeUnit::beats ? time : tempo_->beatAtSeconds(time); }
  double toSeconds(double time, TimeUnit unit) const { return unit == TimeUnit::seconds ? time : tempo_->secondsAtBeat(time); }

  void readMarkers(pugi::xml_node markers, TimeUnit unit) {
    if (!markers) return;
    unit = xml().timeUnit(markers, unit);
    for (pugi::xml_node marker : markers.children("Marker")) {
      const double beat = toBeat(xml().requiredNumber(marker, "time"), unit);
      if (beat < 0 || beat > 1e6) {
        warn(xml().where(marker) + ": a marker outside the song is not imported");
        continue;
      }
      const std::string colour = marker.attribute("color").value();
      doc_.markers.push_back({ids_.take("", "marker"), beat, truncated(marker.attribute("name").value()), isColour(colour) ? colour : "#808080"});
    }
  }

  std::optional<std::size_t> trackOfLane(pugi::xml_node lanes, std::optional<std::size_t> inherited) {
    const std::string id = lanes.attribute("track").value();
    if (id.empty()) return inherited;
    const auto found = trackByXmlId_.find(id);
    if (found == trackByXmlId_.end()) {
      warn(xml().where(lanes) + ": track '" + id + "' is not in the structure; its content is not imported");
      return std::nullopt;
    }
    return found->second;
  }

  void readLanes(pugi::xml_node lanes, TimeUnit unit, std::optional<std::size_t> track, int depth) {
    if (depth > kMaxLaneDepth) xml().fail(lanes, "lanes nested deeper than " + std::to_string(kMaxLaneDepth) + " levels");
    unit = xml().timeUnit(lanes, unit);
    track = trackOfLane(lanes, track);
    for (pugi::xml_node child : lanes.children()) {
      if (child.type() != pugi::node_element) continue;
      const std::string_view name = child.name();
      const std::optional<std::size_t> laneTrack = name == "Lanes" ? track : trackOfLane(child, track);
      if (name == "Lanes") {
        readLanes(child, unit, track, depth + 1);
      } else if (name == "Points") {
        readPoints(child, xml().timeUnit(child, unit));
      } else if (name == "markers") {
        readMarkers(child, unit);
      } else if (!laneTrack) {
        warn(xml().where(child) + ": content outside any track's lane is not imported");
      } else if (name == "Clips") {
        const TimeUnit clipsUnit = xml().timeUnit(child, unit);
        for (pugi::xml_node clip : child.children("Clip")) readClip(clip, clipsUnit, *laneTrack);
      } else if (name == "Notes") {
        readLooseNotes(child, xml().timeUnit(child, unit), *laneTrack);
      } else {
        warn(xml().where(child) + ": <" + std::string(name) + "> directly on a track lane is not imported");
      }
    }
  }

  /// Where a clip is and how its content times become beats from the clip's start.
  struct ClipFrame {
    double startBeat = 0;
    double startSeconds = 0;
    double lengthBeats = 0;
    TimeUnit contentUnit = TimeUnit::beats;
    double playStart = 0;  ///< in contentUnit

    /// Content time (contentUnit, from the content's origin) -> beats from the clip's start.
    double relativeBeats(double content, const project::TempoMap& tempo) const {
      const double fromPlayStart = content - playStart;
      return contentUnit == TimeUnit::beats ? fromPlayStart : tempo.beatAtSeconds(startSeconds + fromPlayStart) - startBeat;
    }
    /// A length in contentUnit measured from the clip's start -> beats.
    double lengthToBeats(double length, const project::TempoMap& tempo) const {
      return contentUnit == TimeUnit::beats ? length : tempo.beatAtSeconds(startSeconds + length) - startBeat;
    }
    /// The length in beats of `length` content time starting at `content` (in beats: itself, so
    /// no rounding creeps in through a subtraction).
    double lengthAt(double content, double length, const project::TempoMap& tempo) const {
      return contentUnit == TimeUnit::beats ? length : relativeBeats(content + length, tempo) - relativeBeats(content, tempo);
    }
  };

  /// The clip a nested <Clips> sits in: the inner clips' times are its content time, and it
  /// bounds them (what lies outside it is not heard).
  struct ParentClip {
    double startBeat;
    double startSeconds;
    double endBeat;
    TimeUnit contentUnit;
    double playStart;
    bool muted;
    int depth;
  };

  /// An element by its XML id (for a clip's `reference` to content elsewhere), found once.
  pugi::xml_node elementWithId(const std::string& id) {
    if (!elementsIndexed_) {
      elementsIndexed_ = true;
      std::vector<pugi::xml_node> stack{xml().document().document_element()};
      while (!stack.empty()) {
        const pugi::xml_node node = stack.back();
        stack.pop_back();
        if (const char* value = node.attribute("id").value(); *value != '\0') elementById_.emplace(value, node);
        for (pugi::xml_node child : node.children()) {
          if (child.type() == pugi::node_element) stack.push_back(child);
        }
      }
    }
    const auto found = elementById_.find(id);
    return found == elementById_.end() ? pugi::xml_node() : found->second;
  }

  void readClip(pugi::xml_node clip, TimeUnit unit, std::size_t track, const ParentClip* parent = nullptr) {
    const double time = xml().requiredNumber(clip, "time");
    // Where a time lands on the song's timeline: directly, or through the enclosing clip.
    const auto place = [&](double t) -> std::pair<double, double> {
      if (!parent) return {toBeat(t, unit), toSeconds(t, unit)};
      const double fromPlayStart = t - parent->playStart;
      if (parent->contentUnit == TimeUnit::beats) return {parent->startBeat + fromPlayStart, tempo_->secondsAtBeat(parent->startBeat + fromPlayStart)};
      return {tempo_->beatAtSeconds(parent->startSeconds + fromPlayStart), parent->startSeconds + fromPlayStart};
    };
    const bool inBeats = parent ? parent->contentUnit == TimeUnit::beats : unit == TimeUnit::beats;
    ClipFrame frame;
    std::tie(frame.startBeat, frame.startSeconds) = place(time);
    if (frame.startBeat < 0 || frame.startBeat > 1e6) {
      warn(xml().where(clip) + ": a clip outside the song (before its start or past beat 1000000) is not imported");
      return;
    }
    pugi::xml_node content;
    for (pugi::xml_node child : clip.children()) {
      if (child.type() == pugi::node_element) {
        content = child;
        break;
      }
    }
    // An alias clip plays content defined elsewhere.
    if (!content && clip.attribute("reference")) {
      content = elementWithId(clip.attribute("reference").value());
      if (!content) xml().failAttribute(clip, "reference", "'" + std::string(clip.attribute("reference").value()) + "' is not an element of this project");
    }
    // Some writers wrap the content in a <Lanes>: look one level in.
    if (content && std::string_view(content.name()) == "Lanes") {
      for (pugi::xml_node child : content.children()) {
        const std::string_view name = child.name();
        if (name == "Notes" || name == "Audio" || name == "Warps" || name == "Clips") {
          content = child;
          break;
        }
      }
    }
    const std::string_view kind = content ? content.name() : "";
    if (kind != "Notes" && kind != "Audio" && kind != "Warps" && kind != "Clips") {
      warn(xml().where(clip) + ": a clip holding " + (content ? "<" + std::string(kind) + ">" : std::string("nothing")) + " is not imported");
      return;
    }
    frame.contentUnit = xml().timeUnit(clip, xml().timeUnit(content, kind == "Notes" || kind == "Clips" ? unit : TimeUnit::beats), "contentTimeUnit");
    if (kind == "Audio" && !clip.attribute("contentTimeUnit")) frame.contentUnit = xml().timeUnit(content, TimeUnit::seconds);
    frame.playStart = xml().number(clip, "playStart").value_or(0);
    if (const auto duration = xml().number(clip, "duration")) {
      frame.lengthBeats = inBeats ? *duration : place(time + *duration).first - frame.startBeat;
      if (!(frame.lengthBeats > 0)) {
        warn(xml().where(clip) + ": a clip of no length is not imported");
        return;
      }
    }
    bool muted = !xml().boolean(clip, "enable").value_or(true);
    if (parent) {
      muted = muted || parent->muted;
      if (frame.startBeat < parent->startBeat - 1e-9 || frame.startBeat >= parent->endBeat) {
        warn(xml().where(clip) + ": a clip outside the clip that holds it is not imported");
        return;
      }
      if (frame.lengthBeats <= 0 || frame.startBeat + frame.lengthBeats > parent->endBeat) frame.lengthBeats = parent->endBeat - frame.startBeat;
    }
    const std::string name = truncated(clip.attribute("name").value());
    if (clip.attribute("playStop")) warn(xml().where(clip) + ": playStop is not imported (the clip's duration ends it)");
    if (kind == "Clips") {
      // A clip of clips (how some DAWs write audio events and groups): its clips are flattened
      // onto the track, placed through it and cut at its end.
      const int depth = parent ? parent->depth + 1 : 1;
      if (depth > kMaxLaneDepth) xml().fail(clip, "clips nested deeper than " + std::to_string(kMaxLaneDepth) + " levels");
      if (clip.attribute("loopEnd")) warn(xml().where(clip) + ": the loop of a clip holding clips is not imported (its clips play once)");
      const double end = frame.lengthBeats > 0 ? frame.startBeat + frame.lengthBeats : 1e6;
      const ParentClip holder{frame.startBeat, frame.startSeconds, end, frame.contentUnit, frame.playStart, muted, depth};
      const TimeUnit innerUnit = xml().timeUnit(content, frame.contentUnit);
      for (pugi::xml_node inner : content.children("Clip")) readClip(inner, innerUnit, track, &holder);
      return;
    }
    if (kind == "Notes") readMidiClip(clip, content, frame, track, name, muted);
    else readAudioClip(clip, content, frame, track, name, muted, unit);
  }

  /// loopStart/loopEnd (content time) -> the document's loop, which repeats from the clip's start.
  project::ClipLoop clipLoop(pugi::xml_node clip, const ClipFrame& frame) {
    const auto loopStart = xml().number(clip, "loopStart");
    const auto loopEnd = xml().number(clip, "loopEnd");
    if (!loopStart || !loopEnd || *loopEnd <= *loopStart) return {false, frame.lengthBeats};
    if (std::abs(*loopStart - frame.playStart) > 1e-9) {
      warn(xml().where(clip) + ": the loop starts elsewhere than playback (loopStart " + numberText(*loopStart) + ", playStart " +
           numberText(frame.playStart) + "); imported as a loop from playStart (approximate)");
    }
    const double length = frame.lengthToBeats(*loopEnd - *loopStart, *tempo_);
    return {length > 0, length > 0 ? length : frame.lengthBeats};
  }

  std::vector<project::Note> readNotes(pugi::xml_node notes, const ClipFrame& frame) {
    std::vector<project::Note> result;
    std::size_t dropped = 0;
    for (pugi::xml_node note : notes.children("Note")) {
      const double time = xml().requiredNumber(note, "time");
      const double duration = xml().requiredNumber(note, "duration");
      const std::int64_t key = xml().requiredInteger(note, "key");
      const std::int64_t channel = xml().requiredInteger(note, "channel");
      const double start = frame.relativeBeats(time, *tempo_);
      const double length = frame.lengthAt(time, duration, *tempo_);
      if (key < 0 || key > 127) xml().failAttribute(note, "key", std::to_string(key) + " is outside 0..127");
      if (channel < 0 || channel > 15) xml().failAttribute(note, "channel", std::to_string(channel) + " is outside 0..15");
      if (start < -1e-9 || !(length > 0) || start > 1e6) {
        ++dropped;  // before the clip's playStart, or of no length: the clip never plays it
        continue;
      }
      const double velocity = std::clamp(xml().number(note, "vel").value_or(100.0 / 127.0), 0.0, 1.0);
      const double release = std::clamp(xml().number(note, "rel").value_or(0.5), 0.0, 1.0);
      result.push_back({"", key, velocity, release, channel, std::max(0.0, start), length});
    }
    if (dropped > 0) warn(xml().where(notes) + ": " + std::to_string(dropped) + " note(s) before the clip's start or of no length are not imported");
    return result;
  }

  void readMidiClip(pugi::xml_node clip, pugi::xml_node notes, ClipFrame frame, std::size_t track, const std::string& name, bool muted) {
    const TimeUnit notesUnit = xml().timeUnit(notes, frame.contentUnit);
    if (notesUnit != frame.contentUnit) {
      // playStart is in the clip's content unit; the notes in theirs: bring playStart over.
      frame.playStart = frame.contentUnit == TimeUnit::beats ? tempo_->secondsAtBeat(frame.startBeat + frame.playStart) - frame.startSeconds
                                                             : tempo_->beatAtSeconds(frame.startSeconds + frame.playStart) - frame.startBeat;
      frame.contentUnit = notesUnit;
    }
    std::vector<project::Note> notesRead = readNotes(notes, frame);
    if (frame.lengthBeats <= 0) {
      double end = 0;
      for (const auto& note : notesRead) end = std::max(end, note.startBeat + note.lengthBeats);
      frame.lengthBeats = end > 0 ? end : 4;
      warn(xml().where(clip) + ": no duration; the clip ends with its last note");
    }
    project::MidiClip midi;
    midi.id = ids_.take("", "clip");
    midi.name = name;
    midi.startBeat = frame.startBeat;
    midi.lengthBeats = frame.lengthBeats;
    midi.loop = clipLoop(clip, frame);
    midi.muted = muted;
    for (auto& note : notesRead) note.id = ids_.take("", "note");
    midi.notes = std::move(notesRead);
    doc_.tracks[track].clips.push_back(std::move(midi));
  }

  void readLooseNotes(pugi::xml_node notes, TimeUnit unit, std::size_t track) {
    ClipFrame frame;
    frame.contentUnit = unit;
    std::vector<project::Note> notesRead = readNotes(notes, frame);
    if (notesRead.empty()) return;
    double end = 0;
    for (const auto& note : notesRead) end = std::max(end, note.startBeat + note.lengthBeats);
    project::MidiClip midi;
    midi.id = ids_.take("", "clip");
    midi.name = "";
    midi.startBeat = 0;
    midi.lengthBeats = end;
    midi.loop = {false, end};
    midi.muted = false;
    for (auto& note : notesRead) note.id = ids_.take("", "note");
    midi.notes = std::move(notesRead);
    doc_.tracks[track].clips.push_back(std::move(midi));
  }

  /// Audio content time (seconds in the file) at a warp-timeline position, by the warp markers
  /// (linear between them, extended past the ends with the nearest segment's slope).
  static double warpedSeconds(const std::vector<std::pair<double, double>>& warps, double at) {
    if (warps.size() == 1) return warps[0].second + (at - warps[0].first);
    std::size_t segment = 0;
    while (segment + 2 < warps.size() && at > warps[segment + 1].first) ++segment;
    const auto& [t0, c0] = warps[segment];
    const auto& [t1, c1] = warps[segment + 1];
    return t1 == t0 ? c0 : c0 + (at - t0) * (c1 - c0) / (t1 - t0);
  }

  void readAudioClip(pugi::xml_node clip, pugi::xml_node content, ClipFrame frame, std::size_t track, const std::string& name, bool muted,
                     TimeUnit timelineUnit) {
    const bool warped = std::string_view(content.name()) == "Warps";
    const pugi::xml_node audio = warped ? content.child("Audio") : content;
    if (!audio) xml().fail(content, "the warped content must be an <Audio> (other content is not imported)");
    const std::string assetId = assetFor(audio);
    const auto& asset = *std::find_if(doc_.assets.begin(), doc_.assets.end(), [&](const auto& a) { return a.id == assetId; });
    const double fileSeconds = static_cast<double>(asset.frames) / static_cast<double>(asset.sampleRate);

    double sourceOffset = 0;
    if (!warped) {
      // Unwarped audio plays at its own speed from playStart.
      sourceOffset = frame.contentUnit == TimeUnit::seconds ? frame.playStart
                                                            : tempo_->secondsAtBeat(frame.startBeat + frame.playStart) - frame.startSeconds;
      if (frame.lengthBeats <= 0) {
        frame.lengthBeats = tempo_->beatAtSeconds(frame.startSeconds + std::max(0.0, fileSeconds - sourceOffset)) - frame.startBeat;
        warn(xml().where(clip) + ": no duration; the clip ends with its audio");
      }
    } else {
      const TimeUnit warpUnit = xml().timeUnit(content, frame.contentUnit);
      if (xml().timeUnit(content, TimeUnit::seconds, "contentTimeUnit") != TimeUnit::seconds) {
        xml().failAttribute(content, "contentTimeUnit", "audio warped in beats of the file is not supported (use seconds)");
      }
      std::vector<std::pair<double, double>> warps;
      for (pugi::xml_node warp : content.children("Warp")) warps.emplace_back(xml().requiredNumber(warp, "time"), xml().requiredNumber(warp, "contentTime"));
      if (warps.empty()) xml().fail(content, "at least one <Warp> is required");
      std::stable_sort(warps.begin(), warps.end());
      if (warpUnit != frame.contentUnit) {
        warn(xml().where(content) + ": the warp time unit differs from the clip's content unit; playStart is read in the warp unit");
      }
      // Warp times are content time of the clip: make them seconds from the clip's start so the
      // stretch can be compared with the timeline's own seconds.
      const auto warpSecondsFromClipStart = [&](double t) {
        const double fromPlayStart = t - frame.playStart;
        return warpUnit == TimeUnit::seconds ? fromPlayStart
                                             : tempo_->secondsAtBeat(frame.startBeat + fromPlayStart) - frame.startSeconds;
      };
      if (warps.size() == 1 && warpUnit == TimeUnit::beats) {
        warps.emplace_back(warps[0].first + 1, warps[0].second + (warpSecondsFromClipStart(warps[0].first + 1) - warpSecondsFromClipStart(warps[0].first)));
      }
      sourceOffset = warpedSeconds(warps, frame.playStart);
      if (frame.lengthBeats <= 0) {
        frame.lengthBeats = tempo_->beatAtSeconds(frame.startSeconds + std::max(0.0, fileSeconds - sourceOffset)) - frame.startBeat;
        warn(xml().where(clip) + ": no duration; the clip ends with its audio");
      }
      const double timelineSeconds = tempo_->secondsAtBeat(frame.startBeat + frame.lengthBeats) - frame.startSeconds;
      const double endContent = warpUnit == TimeUnit::beats ? frame.playStart + frame.lengthBeats : frame.playStart + timelineSeconds;
      const double audioSeconds = warpedSeconds(warps, endContent) - sourceOffset;
      const double ratio = timelineSeconds > 0 ? audioSeconds / timelineSeconds : 1;
      if (std::abs(ratio - 1) > 1e-4) {
        warn(xml().where(content) + ": clip '" + name + "' is time-stretched (" + numberText(std::round(ratio * 10000) / 10000) +
             "x); Amplitude plays it at its own speed from its start (approximate)");
      }
    }
    if (sourceOffset < 0 || sourceOffset > 86400) {
      warn(xml().where(clip) + ": the clip starts " + numberText(sourceOffset) + " s into its audio; set to " + numberText(std::clamp(sourceOffset, 0.0, 86400.0)));
      sourceOffset = std::clamp(sourceOffset, 0.0, 86400.0);
    }
    project::AudioClip result;
    result.id = ids_.take("", "clip");
    result.name = name;
    result.assetId = assetId;
    result.startBeat = frame.startBeat;
    result.lengthBeats = frame.lengthBeats;
    result.sourceOffsetSeconds = sourceOffset;
    result.gainDb = 0;
    result.fadeIn = {fadeBeats(clip, "fadeInTime", frame, timelineUnit), project::FadeCurve::linear};
    result.fadeOut = {fadeBeats(clip, "fadeOutTime", frame, timelineUnit), project::FadeCurve::linear};
    if (result.fadeIn.lengthBeats + result.fadeOut.lengthBeats > result.lengthBeats) {
      const double scale = result.lengthBeats / (result.fadeIn.lengthBeats + result.fadeOut.lengthBeats);
      result.fadeIn.lengthBeats *= scale;
      result.fadeOut.lengthBeats = result.lengthBeats - result.fadeIn.lengthBeats;
      warn(xml().where(clip) + ": fades longer than the clip are shortened to fit");
    }
    result.loop = clipLoop(clip, frame);
    result.muted = muted;
    doc_.tracks[track].clips.push_back(std::move(result));
  }

  double fadeBeats(pugi::xml_node clip, const char* attribute, const ClipFrame& frame, TimeUnit timelineUnit) {
    const double length = xml().number(clip, attribute).value_or(0);
    if (length <= 0) return 0;
    const TimeUnit unit = xml().timeUnit(clip, timelineUnit, "fadeTimeUnit");
    return unit == TimeUnit::beats ? length : tempo_->beatAtSeconds(frame.startSeconds + length) - frame.startBeat;
  }

  // ---- assets ----------------------------------------------------------------------------

  std::map<std::string, std::string> assetByPath_;

  /// The asset of an <Audio>'s file, read from the archive (and written to the assets directory)
  /// the first time it is met.
  std::string assetFor(pugi::xml_node audio) {
    const pugi::xml_node file = audio.child("File");
    if (!file) xml().fail(audio, "element File is required");
    std::string path = file.attribute("path").value();
    if (path.empty()) xml().failAttribute(file, "path", "is required");
    if (xml().boolean(file, "external").value_or(false)) {
      xml().failAttribute(file, "path", "'" + path + "' is an external file; only audio inside the archive can be imported");
    }
    while (path.starts_with("./")) path = path.substr(2);
    if (const auto known = assetByPath_.find(path); known != assetByPath_.end()) return known->second;
    const auto bytes = zip_.read(path, options_.limits.maxEntryBytes);
    if (!bytes) xml().failAttribute(file, "path", "the audio file '" + path + "' is not in the archive");

    project::Asset asset;
    asset.id = ids_.take("", "asset");
    asset.name = truncated(path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1));
    asset.sha256 = sha256Hex(*bytes);
    const std::string extension = lowercaseExtension(path);
    const bool riff = bytes->size() >= 4 && (std::memcmp(bytes->data(), "RIFF", 4) == 0 || std::memcmp(bytes->data(), "RF64", 4) == 0);
    if (riff || extension == "wav") {
      const auto decoded = readWav(*bytes, static_cast<std::size_t>(options_.limits.maxEntryBytes / 2));
      if (const auto* error = std::get_if<WavError>(&decoded)) xml().failAttribute(file, "path", path + ": " + error->message);
      const auto& data = std::get<AudioData>(decoded);
      if (data.channels < 1 || data.channels > 32) xml().failAttribute(file, "path", path + ": " + std::to_string(data.channels) + " channels (1..32 are supported)");
      if (data.sampleRate < 8000 || data.sampleRate > 384000) xml().failAttribute(file, "path", path + ": sample rate " + std::to_string(data.sampleRate) + " Hz is outside 8000..384000");
      asset.sampleRate = data.sampleRate;
      asset.channels = data.channels;
      asset.frames = static_cast<std::int64_t>(data.frames());
      asset.mime = "audio/wav";
      const auto declaredRate = xml().integer(audio, "sampleRate");
      if (declaredRate && *declaredRate != data.sampleRate) {
        warn(xml().where(audio) + ": sampleRate " + std::to_string(*declaredRate) + " differs from the file's " + std::to_string(data.sampleRate) + " Hz; the file's is used");
      }
      if (!firstWavRate_) firstWavRate_ = data.sampleRate;
    } else {
      // Not WAV: the facts come from project.xml; the file is kept, but Amplitude cannot decode it yet.
      asset.sampleRate = xml().requiredInteger(audio, "sampleRate");
      asset.channels = xml().requiredInteger(audio, "channels");
      if (asset.sampleRate < 8000 || asset.sampleRate > 384000) xml().failAttribute(audio, "sampleRate", std::to_string(asset.sampleRate) + " is outside 8000..384000");
      if (asset.channels < 1 || asset.channels > 32) xml().failAttribute(audio, "channels", std::to_string(asset.channels) + " is outside 1..32");
      const double seconds = xml().requiredNumber(audio, "duration");
      asset.frames = static_cast<std::int64_t>(std::llround(std::clamp(seconds, 0.0, 1e7) * static_cast<double>(asset.sampleRate)));
      asset.mime = mimeForExtension(extension);
      warn(xml().where(file) + ": " + path + " is not a WAV file; it is kept as an asset but Amplitude cannot play it yet");
    }
    writeAsset(asset, extension.empty() ? "bin" : extension, *bytes);
    assetByPath_[path] = asset.id;
    doc_.assets.push_back(std::move(asset));
    return doc_.assets.back().id;
  }

  void writeAsset(const project::Asset& asset, const std::string& extension, const std::vector<std::byte>& bytes) {
    if (options_.assetsDirectory.empty()) return;
    std::error_code error;
    std::filesystem::create_directories(options_.assetsDirectory, error);
    const auto path = options_.assetsDirectory / (asset.sha256 + "." + (asset.mime == "audio/wav" ? std::string("wav") : extension));
    if (std::filesystem::is_regular_file(path, error) && std::filesystem::file_size(path, error) == bytes.size()) return;  // content-addressed
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw DawProjectError("cannot write " + path.string());
  }

  // ---- automation ------------------------------------------------------------------------

  void readPoints(pugi::xml_node points, TimeUnit unit) {
    const pugi::xml_node target = points.child("Target");
    const std::string parameter = target.attribute("parameter").value();
    if (parameter.empty()) {
      warn(xml().where(points) + ": automation of " + (target.attribute("expression") ? std::string("note expression '") + target.attribute("expression").value() + "'" : "no parameter") +
           " is not imported");
      return;
    }
    const auto found = bindings_.find(parameter);
    if (found == bindings_.end()) {
      warn(xml().where(points) + ": automation of parameter '" + parameter + "', which Amplitude does not import, is skipped");
      return;
    }
    const ParamBinding& binding = found->second;
    if (binding.tempo || binding.timeSignature) return;  // read with the tempo map
    project::Track& track = doc_.tracks[binding.track];
    if (binding.sendId && std::none_of(track.sends.begin(), track.sends.end(), [&](const auto& s) { return s.id == *binding.sendId; })) {
      warn(xml().where(points) + ": automation of a send that was not imported is skipped");
      return;
    }
    const std::string valueUnit = points.attribute("unit") ? points.attribute("unit").value() : binding.unit;
    project::AutomationLane* lane = laneFor(track, binding);
    if (!lane) {
      warn(xml().where(points) + ": track " + track.name + " has 256 automation lanes already; this one is skipped");
      return;
    }
    std::size_t outside = 0;
    std::size_t fitted = 0;
    for (pugi::xml_node point : points.children()) {
      const std::string_view kind = point.name();
      if (point.type() != pugi::node_element || kind == "Target") continue;
      const double beat = toBeat(xml().requiredNumber(point, "time"), unit);
      if (beat < 0 || beat > 1e6) {
        ++outside;
        continue;
      }
      double value = 0;
      project::PointShape shape = project::PointShape::hold;
      if (kind == "RealPoint") {
        value = xml().requiredNumber(point, "value");
        shape = std::string_view(point.attribute("interpolation").value()) == "hold" ? project::PointShape::hold : project::PointShape::linear;
      } else if (kind == "BoolPoint") {
        value = xml().boolean(point, "value").value_or(false) ? 1 : 0;
      } else if (kind == "IntegerPoint" || kind == "EnumPoint") {
        value = static_cast<double>(xml().requiredInteger(point, "value"));
      } else {
        warn(xml().where(point) + ": not a value point; skipped");
        continue;
      }
      const double converted = convertValue(value, binding, valueUnit, points);
      double clamped = converted;
      if (const auto* range = project::findParameter(binding.device, binding.param)) {
        clamped = std::clamp(converted, range->min, range->max);
        if (range->integer) clamped = std::round(clamped);
      } else {
        clamped = std::clamp(converted, -1e9, 1e9);
      }
      if (clamped != converted) ++fitted;
      if (binding.valueKind == ValueKind::boolean) shape = project::PointShape::hold;
      lane->points.push_back({ids_.take("", "point"), beat, clamped, shape, 0});
    }
    if (outside > 0) warn(xml().where(points) + ": " + std::to_string(outside) + " point(s) outside the song are not imported");
    if (fitted > 0) warn(xml().where(points) + ": " + std::to_string(fitted) + " point value(s) were brought into the parameter's range");
  }

  double convertValue(double value, const ParamBinding& binding, const std::string& unit, pugi::xml_node points) {
    switch (binding.valueKind) {
      case ValueKind::decibels:
        if (unit == "decibel") return value;
        if (unit == "linear" || unit.empty()) return decibelsFromGain(value);
        xml().failAttribute(points, "unit", "'" + unit + "' is not a volume unit Amplitude reads (linear or decibel)");
      case ValueKind::pan:
        return panFromDawProject(value, unit, binding.min, binding.max);
      case ValueKind::boolean:
        return value != 0 ? 1 : 0;
      case ValueKind::milliseconds:
        return unit == "seconds" || unit.empty() ? value * 1000 : value;
      case ValueKind::plain:
        return value;
    }
    return value;
  }

  project::AutomationLane* laneFor(project::Track& track, const ParamBinding& binding) {
    for (auto& lane : track.automation) {
      if (lane.target.kind == binding.kind && lane.target.insertId == binding.insertId && lane.target.sendId == binding.sendId &&
          lane.target.param == binding.param) {
        return &lane;  // a second Points for the same parameter: merged (sorted later)
      }
    }
    if (track.automation.size() == 256) return nullptr;
    project::AutomationLane lane;
    lane.id = ids_.take("", "lane");
    lane.target = {binding.kind, binding.insertId, binding.sendId, binding.param};
    track.automation.push_back(std::move(lane));
    return &track.automation.back();
  }

  // ---- finishing -------------------------------------------------------------------------

  void finishTracks() {
    for (std::size_t i = 0; i < doc_.tracks.size(); ++i) {
      project::Track& track = doc_.tracks[i];
      const auto midiClips = std::count_if(track.clips.begin(), track.clips.end(), [](const auto& c) { return std::holds_alternative<project::MidiClip>(c); });
      const auto audioClips = static_cast<std::ptrdiff_t>(track.clips.size()) - midiClips;
      if (track.kind == project::TrackKind::audio && midiClips > 0 && audioClips == 0) track.kind = project::TrackKind::instrument;
      if (track.kind == project::TrackKind::instrument && audioClips > 0 && midiClips == 0 && !track.instrument) track.kind = project::TrackKind::audio;
      const bool keepsMidi = track.kind == project::TrackKind::instrument;
      const bool keepsAudio = track.kind == project::TrackKind::audio;
      const auto before = track.clips.size();
      std::erase_if(track.clips, [&](const auto& c) { return std::holds_alternative<project::MidiClip>(c) ? !keepsMidi : !keepsAudio; });
      if (track.clips.size() != before) {
        warn("track " + track.name + ": " + std::to_string(before - track.clips.size()) + " clip(s) of a kind this " +
             std::string(project::toString(track.kind)) + " track cannot hold are not imported");
      }
      if (track.kind == project::TrackKind::instrument && !track.instrument) {
        track.instrument = project::Instrument{ids_.take("", "instrument"), project::InstrumentDeviceName::PolySynth, true, {}, std::nullopt};
        warn("track " + track.name + ": no instrument; Amplitude's PolySynth plays its notes");
      }
      if (track.kind != project::TrackKind::instrument && track.instrument) {
        warn("track " + track.name + ": an instrument on a " + std::string(project::toString(track.kind)) + " track is not imported");
        track.instrument.reset();
        std::erase_if(track.automation, [](const auto& lane) { return lane.target.kind == AutomationTargetKind::instrument; });
      }
      for (auto& lane : track.automation) {
        std::stable_sort(lane.points.begin(), lane.points.end(), [](const auto& a, const auto& b) { return a.beat < b.beat; });
      }
    }
    if (firstWavRate_) doc_.project.sampleRate = *firstWavRate_;
  }

  ImportResult finish() {
    const auto checked = project::validateProjectJson(nlohmann::json(doc_));
    if (!checked.ok()) {
      std::string message = "project.xml could not be made into a valid Amplitude project:";
      for (std::size_t i = 0; i < checked.errors.size() && i < 5; ++i) message += "\n  " + checked.errors[i];
      if (checked.errors.size() > 5) message += "\n  (" + std::to_string(checked.errors.size() - 5) + " more)";
      throw DawProjectError(message);
    }
    if (droppedWarnings_ > 0) warnings_.push_back("... and " + std::to_string(droppedWarnings_) + " more warnings");
    return {std::move(doc_), std::move(warnings_)};
  }

  const ImportOptions& options_;
  ZipReader zip_;
  std::optional<XmlContext> xml_;
  project::ProjectDocument doc_;
  IdMaker ids_;
  std::optional<DeviceReader> devices_;
  std::vector<PendingTrack> pending_;
  std::map<std::string, std::size_t> trackByXmlId_;
  std::map<std::string, ParamBinding> bindings_;
  bool elementsIndexed_ = false;
  std::unordered_map<std::string, pugi::xml_node> elementById_;
  std::optional<std::uint32_t> firstWavRate_;
  std::vector<std::string> warnings_;
  std::size_t droppedWarnings_ = 0;
};

}  // namespace

ImportResult importDawProject(std::span<const std::byte> archive, const ImportOptions& options) {
  return Importer(archive, options).run();
}

ImportResult importDawProjectFile(const std::filesystem::path& path, const ImportOptions& options) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) throw DawProjectError(path.string() + ": cannot be read (" + error.message() + ")");
  std::ifstream in(path, std::ios::binary);
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!in) throw DawProjectError(path.string() + ": cannot be read");
  try {
    return importDawProject(bytes, options);
  } catch (const DawProjectError& e) {
    throw DawProjectError(path.filename().string() + ": " + e.what());
  }
}

}  // namespace amplitude::io::dawproject
