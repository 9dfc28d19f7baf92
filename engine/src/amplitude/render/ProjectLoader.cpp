#include <amplitude/render/ProjectLoader.h>

#include <amplitude/project/TempoMap.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

namespace amplitude::render {

namespace {

using protocol::ErrorCode;

const protocol::DeviceInfo* deviceNamed(std::string_view name) {
  for (const auto& device : protocol::kDevices) {
    if (device.name == name) return &device;
  }
  return nullptr;
}

std::optional<std::uint32_t> paramNamed(const protocol::DeviceInfo& device, std::string_view name) {
  for (std::size_t i = 0; i < device.paramCount; ++i) {
    if (device.params[i].name == name) return device.params[i].id;
  }
  return std::nullopt;
}

float linear(double decibels) { return decibels <= -96.0 ? 0.0f : static_cast<float>(std::pow(10.0, decibels / 20.0)); }

class Loader {
 public:
  Loader(Engine& engine, const project::ProjectDocument& document, const AssetSource& assets)
      : engine_(engine),
        shared_(engine.shared()),
        ring_(shared_.ringControl, shared_.ringRecords),
        document_(document),
        assets_(assets),
        rate_(static_cast<double>(document.project.sampleRate)),
        tempo_(document.transport.tempoChanges) {}

  LoadResult run() {
    send(protocol::RemoveNode{protocol::boot_patch::kOscillatorNodeId});
    send(protocol::RemoveNode{protocol::boot_patch::kOutputGainNodeId});
    loadTempoMap();
    std::vector<const project::Track*> tracks;
    for (const auto& track : document_.tracks) tracks.push_back(&track);
    std::sort(tracks.begin(), tracks.end(), [](const auto* a, const auto* b) {
      return a->order != b->order ? a->order < b->order : a->id < b->id;
    });
    for (const auto* track : tracks) buildTrack(*track);  // nodes first: outputs may point forward
    for (const auto* track : tracks) routeTrack(*track);
    for (const auto* track : tracks) {
      loadClips(*track);
      loadAutomation(*track);
    }
    flush();
    settle();
    return result_;
  }

 private:
  struct TrackNodes {
    std::uint32_t source = 0;              ///< 0 for buses and the master
    std::vector<std::uint32_t> inserts;    ///< in chain order
    std::map<std::string, std::uint32_t> insertById;
    std::uint32_t strip = 0;               ///< the master track's strip is node 0
    std::uint32_t input = 0;               ///< where other tracks connect to reach this one
  };

  void error(std::string message) { result_.errors.push_back(std::move(message)); }
  void warn(std::string message) { result_.warnings.push_back(std::move(message)); }

  /// Stopped quanta until every parameter has glided to its value (strips and gains ramp for
  /// ~10 ms from their defaults, a reverb's size for 100 ms), as in the browser, where a song is
  /// loaded long before Play. Counted with the quantum that applied the last batch, like the
  /// browser's export (web/src/export/renderDocument.ts), so the two render the same bits.
  void settle() {
    const auto quanta = static_cast<std::uint32_t>(std::ceil(kSettleSeconds * rate_ / protocol::kFramesPerQuantum));
    for (std::uint32_t i = 1; i < quanta; ++i) engine_.renderQuantum();
  }

  /// Queues a command; a batch goes to the engine when the ring is nearly full or a table slot is
  /// about to be reused.
  void send(const protocol::CommandBody& body) {
    pending_.push_back(body);
    if (pending_.size() >= protocol::kCommandRingCapacity / 2) flush();
  }

  /// Sends the queued commands; `apply` renders one stopped quantum so they take effect now (and
  /// table slots can be reused). The batches before the last are only needed by big projects,
  /// so a small one starts exactly as the browser's does: everything in the first played quantum.
  void flush(bool apply = true) {
    for (const auto& body : pending_) {
      protocol::CommandRecord record;
      protocol::encodeCommand({++sequence_, 0, body}, record);
      ring_.tryPush(record);  // at most half a ring per batch: always fits
    }
    pending_.clear();
    if (!apply) return;
    const auto rejectedBefore = rt::StatePublisher::read(shared_.stateView).commandsRejected;
    engine_.renderQuantum();  // stopped: applies the batch, plays nothing of the timeline
    const auto state = rt::StatePublisher::read(shared_.stateView);
    if (state.commandsRejected != rejectedBefore) {
      error("the engine refused " + std::to_string(state.commandsRejected - rejectedBefore) + " command(s), the last: " +
            std::string(protocol::errorMessage(state.lastErrorCode)));
    }
    clipSlot_ = 0;
  }

  std::uint64_t frameAt(double beat) const { return static_cast<std::uint64_t>(std::max<std::int64_t>(0, tempo_.frameAtBeat(beat, rate_))); }

  void loadTempoMap() {
    // One segment per tempo or meter change, with the bar the segment starts in.
    project::MeterMap meter(document_.transport.timeSignatureChanges);
    std::vector<double> beats;
    for (const auto& change : document_.transport.tempoChanges) beats.push_back(change.beat);
    for (const auto& change : document_.transport.timeSignatureChanges) beats.push_back(meter.beatAtBar(change.bar));
    std::sort(beats.begin(), beats.end());
    beats.erase(std::unique(beats.begin(), beats.end()), beats.end());
    if (beats.size() > protocol::kTempoTableEntries) {
      error("more tempo and meter changes than the engine's tempo map holds");
      beats.resize(protocol::kTempoTableEntries);
    }
    auto& table = shared_.tempoTable;
    for (std::size_t i = 0; i < beats.size(); ++i) {
      const auto position = meter.barAtBeat(beats[i]);
      const auto numeratorDenominator = signatureAt(position.bar);
      table.startSample[i] = frameAt(beats[i]);
      table.startBeat[i] = beats[i];
      table.beatsPerMinute[i] = tempo_.beatsPerMinuteAt(beats[i]);
      table.numerator[i] = numeratorDenominator.first;
      table.denominator[i] = numeratorDenominator.second;
      table.barAtStart[i] = static_cast<double>(position.bar) + position.beatInBar / meter.beatsPerBarAt(position.bar);
    }
    send(protocol::CommitTempoMap{static_cast<std::uint32_t>(beats.size())});
  }

  std::pair<std::uint32_t, std::uint32_t> signatureAt(std::int64_t bar) const {
    std::pair<std::uint32_t, std::uint32_t> current{4, 4};
    for (const auto& change : document_.transport.timeSignatureChanges) {
      if (change.bar <= bar) current = {static_cast<std::uint32_t>(change.numerator), static_cast<std::uint32_t>(change.denominator)};
    }
    return current;
  }

  std::uint32_t addNode(std::uint32_t type) {
    const std::uint32_t id = nextNodeId_++;
    send(protocol::AddNode{id, type});
    return id;
  }

  void setParams(std::uint32_t node, const protocol::DeviceInfo& device, const project::Params& params, const std::string& where) {
    for (const auto& [name, value] : params) {
      if (const auto id = paramNamed(device, name)) {
        send(protocol::SetParam{node, *id, static_cast<float>(value)});
      } else {
        error(where + ": " + std::string(device.name) + " has no parameter " + name);
      }
    }
  }

  void buildTrack(const project::Track& track) {
    TrackNodes nodes;
    const std::string where = "track " + track.name;
    if (track.kind == project::TrackKind::audio) nodes.source = addNode(protocol::devices::ClipPlayer::kType);
    if (track.kind == project::TrackKind::instrument && track.instrument) {
      if (const auto* device = deviceNamed(project::toString(track.instrument->device)); device && track.instrument->enabled) {
        nodes.source = addNode(device->type);
        setParams(nodes.source, *device, track.instrument->params, where);
      } else if (!device) {
        warn(where + ": instrument " + std::string(project::toString(track.instrument->device)) +
             " is not one Amplitude plays (it is kept, silent)");
      }
    }
    for (const auto& insert : track.inserts) {
      const auto* device = deviceNamed(project::toString(insert.device));
      if (device == nullptr || !insert.enabled) {
        if (device == nullptr) {
          warn(where + ": effect " + std::string(project::toString(insert.device)) + " is not one Amplitude has (bypassed)");
        }
        continue;
      }
      const std::uint32_t node = addNode(device->type);
      setParams(node, *device, insert.params, where);
      nodes.inserts.push_back(node);
      nodes.insertById[insert.id] = node;
    }
    const bool master = track.kind == project::TrackKind::master;
    nodes.strip = master ? protocol::kMasterNodeId : addNode(protocol::devices::ChannelStrip::kType);
    using Strip = protocol::devices::ChannelStrip;
    send(protocol::SetParam{nodes.strip, Strip::volume, static_cast<float>(std::max(-96.0, track.strip.volumeDb))});
    send(protocol::SetParam{nodes.strip, Strip::pan, static_cast<float>(track.strip.pan)});
    send(protocol::SetParam{nodes.strip, Strip::mute, track.strip.mute ? 1.0f : 0.0f});
    send(protocol::SetParam{nodes.strip, Strip::solo, track.strip.solo ? 1.0f : 0.0f});
    send(protocol::SetParam{nodes.strip, Strip::soloSafe, track.strip.soloSafe ? 1.0f : 0.0f});
    send(protocol::SetParam{nodes.strip, Strip::invert, track.strip.invert ? 1.0f : 0.0f});
    // The chain: source -> inserts -> strip. Buses and the master take their inputs at the first
    // insert (or the strip).
    std::uint32_t previous = nodes.source;
    for (const std::uint32_t insert : nodes.inserts) {
      if (previous != 0) send(protocol::Connect{previous, insert, 0, 0, 1.0f});
      previous = insert;
    }
    if (previous != 0) send(protocol::Connect{previous, nodes.strip, 0, 0, 1.0f});
    nodes.input = nodes.source == 0 && !nodes.inserts.empty() ? nodes.inserts.front() : nodes.strip;
    tracks_[track.id] = nodes;
  }

  void routeTrack(const project::Track& track) {
    const TrackNodes& nodes = tracks_[track.id];
    if (track.output) {
      const auto target = tracks_.find(*track.output);
      if (target == tracks_.end()) {
        error("track " + track.name + ": its output is not a track");
      } else {
        send(protocol::Connect{nodes.strip, target->second.input, 0, 0, 1.0f});
      }
    }
    for (const auto& sendTo : track.sends) {
      const auto target = tracks_.find(sendTo.target);
      if (target == tracks_.end()) continue;
      send(protocol::Connect{nodes.strip, target->second.input, static_cast<std::uint8_t>(sendTo.preFader ? 1 : 0), 0,
                             std::min(4.0f, linear(sendTo.levelDb))});
    }
  }

  void loadClips(const project::Track& track) {
    const TrackNodes& nodes = tracks_[track.id];
    for (const auto& clip : track.clips) {
      if (const auto* audio = std::get_if<project::AudioClip>(&clip); audio && !audio->muted && nodes.source != 0) {
        loadAudioClip(track, nodes.source, *audio);
      } else if (const auto* midi = std::get_if<project::MidiClip>(&clip); midi && !midi->muted && nodes.source != 0) {
        loadMidiClip(nodes.source, *midi);
      }
    }
  }

  /// The heap offset of an asset's PCM (planar, 16-byte aligned), loading it the first time.
  std::optional<std::uint32_t> sampleFor(const std::string& assetId, const std::string& where) {
    if (const auto known = sampleIndex_.find(assetId); known != sampleIndex_.end()) return known->second;
    const auto asset = std::find_if(document_.assets.begin(), document_.assets.end(), [&](const auto& a) { return a.id == assetId; });
    if (asset == document_.assets.end()) return error(where + ": asset " + assetId + " is not in the project"), std::nullopt;
    const auto audio = assets_(*asset);
    if (!audio) return error(where + ": the audio of asset " + asset->name + " was not found"), std::nullopt;
    if (audio->sampleRate != static_cast<std::uint32_t>(rate_)) {
      return error(where + ": " + asset->name + " is at " + std::to_string(audio->sampleRate) + " Hz, the project at " +
                   std::to_string(static_cast<std::uint32_t>(rate_)) + " Hz (convert it first)"),
             std::nullopt;
    }
    if (audio->channels < 1 || audio->channels > 2) return error(where + ": " + asset->name + " is not mono or stereo"), std::nullopt;
    const std::size_t bytes = (audio->interleaved.size() * sizeof(float) + 15) / 16 * 16;
    const std::uint32_t index = static_cast<std::uint32_t>(sampleIndex_.size());
    if (heapUsed_ + bytes > protocol::kSampleHeapBytes || index >= protocol::kSampleTableEntries) {
      return error(where + ": " + asset->name + " does not fit in the engine's sample memory"), std::nullopt;
    }
    auto* pcm = reinterpret_cast<float*>(shared_.sampleHeap + heapUsed_);
    const std::size_t frames = audio->frames();
    for (std::size_t f = 0; f < frames; ++f) {
      for (std::uint32_t c = 0; c < audio->channels; ++c) pcm[c * frames + f] = audio->interleaved[f * audio->channels + c];
    }
    shared_.sampleTable.heapOffset[index] = static_cast<std::uint32_t>(heapUsed_);
    shared_.sampleTable.frames[index] = static_cast<std::uint32_t>(frames);
    shared_.sampleTable.channelCount[index] = audio->channels;
    shared_.sampleTable.sampleRate[index] = static_cast<float>(audio->sampleRate);
    heapUsed_ += bytes;
    sampleIndex_[assetId] = index;
    return index;
  }

  void loadAudioClip(const project::Track& track, std::uint32_t player, const project::AudioClip& clip) {
    const auto sample = sampleFor(clip.assetId, "track " + track.name + ", clip " + clip.name);
    if (!sample) return;
    if (clipSlot_ == protocol::kClipTableEntries) flush();  // every slot used in this batch
    const std::uint32_t slot = clipSlot_++;
    auto& table = shared_.clipTable;
    const std::uint64_t start = frameAt(clip.startBeat);
    const std::uint64_t end = frameAt(clip.startBeat + clip.lengthBeats);
    table.clipId[slot] = ++clipId_;
    table.sampleIndex[slot] = *sample;
    table.timelineStart[slot] = start;
    table.sourceStart[slot] = static_cast<std::uint64_t>(std::llround(clip.sourceOffsetSeconds * rate_));
    table.length[slot] = std::max<std::uint64_t>(1, end - start);
    table.loopLength[slot] = clip.loop.enabled ? frameAt(clip.startBeat + clip.loop.lengthBeats) - start : 0;
    table.gain[slot] = std::min(16.0f, linear(clip.gainDb));
    table.fadeIn[slot] = static_cast<std::uint32_t>(std::min<std::uint64_t>(table.length[slot], frameAt(clip.startBeat + clip.fadeIn.lengthBeats) - start));
    table.fadeOut[slot] = static_cast<std::uint32_t>(std::min<std::uint64_t>(table.length[slot], end - frameAt(clip.startBeat + clip.lengthBeats - clip.fadeOut.lengthBeats)));
    table.fadeCurve[slot] = clip.fadeIn.curve == project::FadeCurve::linear ? 0 : 1;
    send(protocol::PlaceClip{player, slot});
    result_.endFrame = std::max(result_.endFrame, end);
  }

  void loadMidiClip(std::uint32_t instrument, const project::MidiClip& clip) {
    const auto clipId = static_cast<std::uint16_t>(1 + (noteClipId_++ % 65535));
    const double loop = clip.loop.enabled ? clip.loop.lengthBeats : clip.lengthBeats;
    const double clipEnd = clip.startBeat + clip.lengthBeats;
    for (double pass = clip.startBeat; pass < clipEnd; pass += loop) {
      for (const auto& note : clip.notes) {
        const double on = pass + note.startBeat;
        if (note.startBeat >= loop || on >= clipEnd) continue;
        const double off = std::min(on + note.lengthBeats, std::min(clipEnd, pass + loop));
        const auto velocity = static_cast<std::uint8_t>(std::clamp(std::lround(note.velocity * 127.0), 1L, 127L));
        const auto pitch = static_cast<std::uint8_t>(note.pitch);
        send(protocol::ScheduleNote{instrument, pitch, velocity, clipId, frameAt(on)});
        send(protocol::ScheduleNote{instrument, pitch, 0, clipId, frameAt(off)});
        result_.endFrame = std::max(result_.endFrame, frameAt(off));
      }
    }
  }

  void loadAutomation(const project::Track& track) {
    const TrackNodes& nodes = tracks_[track.id];
    for (const auto& lane : track.automation) {
      std::uint32_t node = 0;
      const protocol::DeviceInfo* device = nullptr;
      using Kind = project::AutomationTargetKind;
      if (lane.target.kind == Kind::strip) {
        node = nodes.strip;
        device = deviceNamed("ChannelStrip");
      } else if (lane.target.kind == Kind::instrument && track.instrument && nodes.source != 0) {
        node = nodes.source;
        device = deviceNamed(project::toString(track.instrument->device));
      } else if (lane.target.kind == Kind::insert && lane.target.insertId) {
        const auto insert = nodes.insertById.find(*lane.target.insertId);
        const auto declared = std::find_if(track.inserts.begin(), track.inserts.end(), [&](const auto& i) { return i.id == *lane.target.insertId; });
        if (insert != nodes.insertById.end() && declared != track.inserts.end()) {
          node = insert->second;
          device = deviceNamed(project::toString(declared->device));
        }
      }
      const auto param = device ? paramNamed(*device, lane.target.param) : std::nullopt;
      if (device == nullptr || !param) {
        warn("track " + track.name + ": automation of " + lane.target.param + " has no target Amplitude plays");
        continue;
      }
      for (const auto& point : lane.points) {
        const auto shape = static_cast<std::uint8_t>(point.shape == project::PointShape::linear ? 0 : (point.shape == project::PointShape::curved ? 1 : 2));
        send(protocol::AddAutomationPoint{node, static_cast<std::uint8_t>(*param), shape,
                                          static_cast<std::int16_t>(std::lround(point.curvature * 1000.0)),
                                          static_cast<std::uint32_t>(frameAt(point.beat)), static_cast<float>(point.value)});
      }
    }
  }

  Engine& engine_;
  SharedRegion& shared_;
  rt::CommandRing ring_;
  const project::ProjectDocument& document_;
  const AssetSource& assets_;
  double rate_;
  project::TempoMap tempo_;
  LoadResult result_;
  std::vector<protocol::CommandBody> pending_;
  std::uint32_t sequence_ = 0;
  std::uint32_t nextNodeId_ = 100;
  std::map<std::string, TrackNodes> tracks_;
  std::map<std::string, std::uint32_t> sampleIndex_;
  std::size_t heapUsed_ = 0;
  std::uint32_t clipSlot_ = 0;
  std::uint32_t clipId_ = 0;
  std::uint32_t noteClipId_ = 0;
};

}  // namespace

LoadResult loadProject(Engine& engine, const project::ProjectDocument& document, const AssetSource& assets) {
  return Loader(engine, document, assets).run();
}

}  // namespace amplitude::render
