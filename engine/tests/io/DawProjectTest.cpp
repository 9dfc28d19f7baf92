// Invariants of the DAWproject converter, on real files: archives written here with libzip from
// hand-written project.xml text and WAVs made with WavFile.
//  - a hand-built DAWproject imports to exactly the expected document (beats, dB, pan, notes,
//    devices, sends, automation), and its project.xml is valid against the official schema;
//  - Amplitude -> DAWproject -> Amplitude gives the document back (ids DAWproject has no place
//    for are derived); protocol/project/examples/full.json comes back except for the listed
//    things DAWproject cannot say, each of which the export warns about;
//  - every exported project.xml validates with xmllint against Project.xsd;
//  - an imported song renders its clip's first sample on the frame its beat lands on;
//  - bad archives are refused with messages naming the entry, element and attribute.
#include <amplitude/io/WavFile.h>
#include <amplitude/io/dawproject/DawProject.h>
#include <amplitude/render/ProjectLoader.h>

#include "../support/EngineHarness.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sodium.h>
#include <zip.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace amplitude::io::dawproject {
namespace {

namespace fs = std::filesystem;

/// A fresh directory per test, removed at the end.
class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    static int made = 0;
    path_ = fs::temp_directory_path() /
            ("amplitude-dawproject-" + std::string(test->name()) + "-" + std::to_string(::getpid()) + "-" + std::to_string(made++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TemporaryDirectory() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::byte> bytesOf(std::string_view text) {
  const auto* begin = reinterpret_cast<const std::byte*>(text.data());
  return {begin, begin + text.size()};
}

std::vector<std::byte> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::byte> bytes(fs::file_size(path));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

void writeFile(const fs::path& path, std::span<const std::byte> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

/// A ZIP file written with libzip directly (not through the converter's own writer).
void writeZip(const fs::path& path, const std::map<std::string, std::vector<std::byte>>& entries) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  ASSERT_NE(archive, nullptr) << "zip_open " << error;
  for (const auto& [name, bytes] : entries) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    ASSERT_NE(source, nullptr);
    ASSERT_GE(zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8), 0);
  }
  ASSERT_EQ(zip_close(archive), 0);
}

std::string sha256(std::span<const std::byte> bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

/// Mono float WAV whose frame k holds (k + 1) / 131072: every frame is told apart exactly.
std::vector<std::byte> rampWav(std::size_t frames, std::uint32_t rate = 48000, std::uint32_t channels = 1) {
  AudioData audio{rate, channels, {}};
  for (std::size_t k = 0; k < frames; ++k) {
    for (std::uint32_t c = 0; c < channels; ++c) audio.interleaved.push_back(static_cast<float>(k + 1) / 131072.0f);
  }
  return writeWav(audio, WavFormat::Float32);
}

/// xmllint --schema Project.xsd: "" when valid, else what xmllint said.
std::string schemaErrors(const std::string& projectXml, const fs::path& directory) {
  const fs::path xml = directory / "project-to-validate.xml";
  const fs::path log = directory / "xmllint.log";
  writeFile(xml, bytesOf(projectXml));
  const std::string command = std::string(AMPLITUDE_XMLLINT) + " --noout --schema '" + AMPLITUDE_DAWPROJECT_XSD + "' '" + xml.string() + "' > '" + log.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  if (status == 0) return "";
  const auto bytes = readFile(log);
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

const project::AutomationLane& laneFor(const project::Track& track, const std::string& param) {
  for (const auto& lane : track.automation) {
    if (lane.target.param == param) return lane;
  }
  throw std::runtime_error("no lane for " + param + " on " + track.name);
}

// ---- the hand-built DAWproject ---------------------------------------------------------------

// 100 BPM, 3/4. Two audio tracks (one warped clip in beats, one unwarped clip placed in
// seconds), an instrument track (CLAP piano, looped notes), a reverb bus fed by a send, the
// master. An EQ and a VST3 plug-in on the drums, automation on volume, pan, mute, an EQ band,
// the plug-in and the send.
constexpr std::string_view kHandBuiltProject = R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Project version="1.0">
  <Application name="Hand" version="1.0"/>
  <Transport>
    <Tempo id="tempo" name="Tempo" unit="bpm" min="20" max="666" value="100"/>
    <TimeSignature id="signature" numerator="3" denominator="4"/>
  </Transport>
  <Structure>
    <Track contentType="audio" loaded="true" id="trkDrums" name="Drums" color="#ff4444">
      <Channel audioChannels="2" destination="chMaster" role="regular" solo="false" id="chDrums">
        <Devices>
          <Equalizer deviceName="EQ+" deviceRole="audioFX" deviceVendor="Bitwig" id="eq1">
            <Parameters/>
            <Enabled id="eq1On" value="true"/>
            <Band type="lowShelf" order="0">
              <Freq id="eqB1Freq" unit="hertz" value="120"/>
              <Gain id="eqB1Gain" unit="decibel" value="-3"/>
              <Q id="eqB1Q" unit="linear" value="0.7"/>
              <Enabled id="eqB1On" value="true"/>
            </Band>
            <Band type="bell" order="1">
              <Freq id="eqB2Freq" unit="hertz" value="1000"/>
              <Gain id="eqB2Gain" unit="decibel" value="4.5"/>
              <Q id="eqB2Q" unit="linear" value="2"/>
            </Band>
          </Equalizer>
          <Vst3Plugin deviceID="ABCDEF0123456789ABCDEF0123456789" deviceName="Acme Saturator" deviceRole="audioFX" deviceVendor="Acme Audio" id="vst1" pluginVersion="1.2">
            <Parameters>
              <RealParameter id="vstDrive" name="Drive" parameterID="17" unit="normalized" value="0.25"/>
              <RealParameter id="vstMix" name="Mix" parameterID="-1" unit="normalized"/>
            </Parameters>
            <Enabled id="vst1On" value="false"/>
            <State path="plugins/saturator.vstpreset"/>
          </Vst3Plugin>
        </Devices>
        <Mute id="drumsMute" value="false"/>
        <Pan id="drumsPan" unit="normalized" min="0" max="1" value="0.25"/>
        <Sends>
          <Send id="sendVerb" destination="chVerb" type="post">
            <Volume id="sendVerbLevel" unit="linear" value="0.25"/>
          </Send>
        </Sends>
        <Volume id="drumsVolume" unit="linear" min="0" max="2" value="0.5"/>
      </Channel>
    </Track>
    <Track contentType="audio" loaded="true" id="trkVox" name="Vocal" color="#44ff44">
      <Channel audioChannels="2" destination="chMaster" role="regular" solo="true" id="chVox">
        <Mute id="voxMute" value="true"/>
        <Pan id="voxPan" unit="linear" min="-1" max="1" value="0.3"/>
        <Volume id="voxVolume" unit="decibel" value="-3"/>
      </Channel>
    </Track>
    <Track contentType="notes" loaded="true" id="trkKeys" name="Keys" color="#4444ff">
      <Channel audioChannels="2" destination="chMaster" role="regular" id="chKeys">
        <Devices>
          <ClapPlugin deviceID="com.example.piano" deviceName="Grand" deviceRole="instrument" deviceVendor="Example Co" id="inst1">
            <Enabled value="true"/>
          </ClapPlugin>
        </Devices>
        <Volume id="keysVolume" unit="decibel" value="0"/>
      </Channel>
    </Track>
    <Track contentType="audio" loaded="true" id="trkVerb" name="Reverb" color="#333333">
      <Channel audioChannels="2" destination="chMaster" role="effect" id="chVerb">
        <Devices>
          <Compressor deviceName="Comp" deviceRole="audioFX" id="comp1">
            <Attack unit="seconds" value="0.005"/>
            <Ratio unit="linear" value="3"/>
            <Release unit="seconds" value="0.2"/>
            <Threshold unit="decibel" value="-18"/>
          </Compressor>
        </Devices>
        <Volume unit="decibel" value="0"/>
      </Channel>
    </Track>
    <Track contentType="audio notes" loaded="true" id="trkMaster" name="Master" color="#c0c0c0">
      <Channel audioChannels="2" role="master" id="chMaster">
        <Devices>
          <Limiter deviceName="Limiter" deviceRole="audioFX" id="lim1">
            <Release unit="seconds" value="0.05"/>
            <Threshold unit="decibel" value="-1"/>
          </Limiter>
        </Devices>
        <Volume unit="linear" value="1"/>
      </Channel>
    </Track>
  </Structure>
  <Arrangement id="arrangement">
    <Lanes timeUnit="beats" id="lanes">
      <Lanes track="trkDrums" id="drumsLanes">
        <Clips id="drumsClips">
          <Clip time="3" duration="6" playStart="0" fadeTimeUnit="beats" fadeInTime="0.5" fadeOutTime="1" name="Loop">
            <Warps contentTimeUnit="seconds" timeUnit="beats" id="drumsWarps">
              <Audio channels="1" sampleRate="48000" duration="5" timeUnit="seconds" id="drumsAudio">
                <File path="audio/drums.wav"/>
              </Audio>
              <Warp time="0" contentTime="0"/>
              <Warp time="6" contentTime="3.6"/>
            </Warps>
          </Clip>
        </Clips>
        <Points id="drumsVolumeAutomation">
          <Target parameter="drumsVolume"/>
          <RealPoint time="0" value="0.5" interpolation="linear"/>
          <RealPoint time="6" value="1" interpolation="hold"/>
        </Points>
        <Points id="drumsPanAutomation">
          <Target parameter="drumsPan"/>
          <RealPoint time="2" value="0" interpolation="linear"/>
          <RealPoint time="4" value="1" interpolation="linear"/>
        </Points>
        <Points id="eqAutomation">
          <Target parameter="eqB2Gain"/>
          <RealPoint time="0" value="4.5" interpolation="linear"/>
          <RealPoint time="4" value="-6" interpolation="linear"/>
        </Points>
        <Points id="vstAutomation">
          <Target parameter="vstDrive"/>
          <RealPoint time="1" value="0.75" interpolation="hold"/>
        </Points>
        <Points id="sendAutomation">
          <Target parameter="sendVerbLevel"/>
          <RealPoint time="0" value="0.25" interpolation="linear"/>
          <RealPoint time="9" value="1" interpolation="linear"/>
        </Points>
      </Lanes>
      <Lanes track="trkVox" timeUnit="seconds" id="voxLanes">
        <Clips id="voxClips">
          <Clip time="1.2" duration="1.8" contentTimeUnit="seconds" playStart="0.5" name="Take">
            <Audio channels="1" sampleRate="48000" duration="2" timeUnit="seconds" id="voxAudio">
              <File path="audio/vocal.wav"/>
            </Audio>
          </Clip>
        </Clips>
        <Points id="voxMuteAutomation">
          <Target parameter="voxMute"/>
          <BoolPoint time="4.8" value="false"/>
        </Points>
      </Lanes>
      <Lanes track="trkKeys" id="keysLanes">
        <Clips id="keysClips">
          <Clip time="0" duration="6" playStart="0" loopStart="0" loopEnd="3" name="Riff">
            <Notes id="riff">
              <Note time="0" duration="1" channel="0" key="60" vel="0.8" rel="0.5"/>
              <Note time="1.5" duration="0.5" channel="1" key="64" vel="0.6" rel="0"/>
              <Note time="2" duration="1" channel="0" key="67" vel="1" rel="1"/>
            </Notes>
          </Clip>
        </Clips>
      </Lanes>
    </Lanes>
    <Markers id="markers">
      <Marker time="6" name="Verse" color="#3366ff"/>
    </Markers>
  </Arrangement>
</Project>
)";

struct HandBuilt {
  std::vector<std::byte> drums = rampWav(240000);  // 5 s
  std::vector<std::byte> vocal = rampWav(96000);   // 2 s
  std::vector<std::byte> state = bytesOf("\x01\x02saturator-state\xff");
};

fs::path writeHandBuilt(const fs::path& directory, const HandBuilt& files, std::string_view projectXml = kHandBuiltProject) {
  const fs::path path = directory / "hand.dawproject";
  writeZip(path, {{"project.xml", bytesOf(projectXml)},
                  {"metadata.xml", bytesOf("<MetaData><Title>Hand built</Title></MetaData>")},
                  {"audio/drums.wav", files.drums},
                  {"audio/vocal.wav", files.vocal},
                  {"plugins/saturator.vstpreset", files.state}});
  return path;
}

TEST(DawProject, TheHandBuiltProjectIsValidAgainstTheOfficialSchema) {
  TemporaryDirectory directory;
  EXPECT_EQ(schemaErrors(std::string(kHandBuiltProject), directory.path()), "");
}

TEST(DawProject, AHandBuiltProjectImportsToTheExactDocument) {
  TemporaryDirectory directory;
  const HandBuilt files;
  ImportOptions options;
  options.assetsDirectory = directory.path() / "assets";
  options.timestamp = "2026-02-03T04:05:06.789Z";
  const auto result = importDawProjectFile(writeHandBuilt(directory.path(), files), options);
  const auto& document = result.document;

  EXPECT_EQ(document.project.name, "Hand built");
  EXPECT_EQ(document.project.created, "2026-02-03T04:05:06.789Z");
  EXPECT_EQ(document.project.sampleRate, 48000);
  ASSERT_EQ(document.transport.tempoChanges.size(), 1u);
  EXPECT_EQ(document.transport.tempoChanges[0].beat, 0);
  EXPECT_EQ(document.transport.tempoChanges[0].beatsPerMinute, 100);
  ASSERT_EQ(document.transport.timeSignatureChanges.size(), 1u);
  EXPECT_EQ(document.transport.timeSignatureChanges[0].numerator, 3);
  EXPECT_EQ(document.transport.timeSignatureChanges[0].denominator, 4);
  ASSERT_EQ(document.markers.size(), 1u);
  EXPECT_EQ(document.markers[0].beat, 6);
  EXPECT_EQ(document.markers[0].name, "Verse");
  EXPECT_EQ(document.markers[0].colour, "#3366ff");

  // Tracks in structure order, ids from the DAWproject's Track ids, routing through channel ids.
  ASSERT_EQ(document.tracks.size(), 5u);
  const auto& drums = document.tracks[0];
  const auto& vocal = document.tracks[1];
  const auto& keys = document.tracks[2];
  const auto& verb = document.tracks[3];
  const auto& master = document.tracks[4];
  EXPECT_EQ(drums.id, "trkDrums");
  EXPECT_EQ(drums.kind, project::TrackKind::audio);
  EXPECT_EQ(drums.colour, "#ff4444");
  EXPECT_EQ(drums.output, "trkMaster");
  EXPECT_EQ(vocal.kind, project::TrackKind::audio);
  EXPECT_EQ(keys.kind, project::TrackKind::instrument);
  EXPECT_EQ(verb.kind, project::TrackKind::bus);
  EXPECT_EQ(master.kind, project::TrackKind::master);
  EXPECT_FALSE(master.output.has_value());
  EXPECT_EQ(verb.output, "trkMaster");

  // Channel strips: linear 0.5 -> -6.02 dB, normalized pan 0.25 -> -0.5; dB and linear pan as is.
  EXPECT_DOUBLE_EQ(drums.strip.volumeDb, 20 * std::log10(0.5));
  EXPECT_EQ(drums.strip.pan, -0.5);
  EXPECT_FALSE(drums.strip.mute);
  EXPECT_FALSE(drums.strip.solo);
  EXPECT_EQ(vocal.strip.volumeDb, -3);
  EXPECT_EQ(vocal.strip.pan, 0.3);
  EXPECT_TRUE(vocal.strip.mute);
  EXPECT_TRUE(vocal.strip.solo);
  EXPECT_EQ(master.strip.volumeDb, 0);

  // The send to the bus.
  ASSERT_EQ(drums.sends.size(), 1u);
  EXPECT_EQ(drums.sends[0].id, "sendVerb");
  EXPECT_EQ(drums.sends[0].target, "trkVerb");
  EXPECT_DOUBLE_EQ(drums.sends[0].levelDb, 20 * std::log10(0.25));
  EXPECT_FALSE(drums.sends[0].preFader);

  // The EQ's bands become ParametricEq bands 1 and 2; the VST3 is kept as an Unknown insert.
  ASSERT_EQ(drums.inserts.size(), 2u);
  const auto& eq = drums.inserts[0];
  EXPECT_EQ(eq.id, "eq1");
  EXPECT_EQ(eq.device, project::EffectDeviceName::ParametricEq);
  EXPECT_TRUE(eq.enabled);
  const project::Params expectedEq = {{"band1Type", 1},      {"band1Frequency", 120}, {"band1Gain", -3}, {"band1Q", 0.7},
                                      {"band1Enabled", 1},   {"band2Type", 0},        {"band2Frequency", 1000},
                                      {"band2Gain", 4.5},    {"band2Q", 2},           {"band2Enabled", 1}};
  EXPECT_EQ(eq.params, expectedEq);
  const auto& vst = drums.inserts[1];
  EXPECT_EQ(vst.id, "vst1");
  EXPECT_EQ(vst.device, project::EffectDeviceName::Unknown);
  EXPECT_FALSE(vst.enabled);
  ASSERT_TRUE(vst.unknown.has_value());
  EXPECT_EQ(vst.unknown->format, project::PluginFormat::vst3);
  EXPECT_EQ(vst.unknown->vendor, "Acme Audio");
  EXPECT_EQ(vst.unknown->pluginId, "ABCDEF0123456789ABCDEF0123456789");
  EXPECT_EQ(vst.unknown->name, "Acme Saturator");
  unsigned char decoded[64];
  std::size_t decodedLength = 0;
  ASSERT_EQ(sodium_base642bin(decoded, sizeof decoded, vst.unknown->state.data(), vst.unknown->state.size(), nullptr, &decodedLength, nullptr,
                              sodium_base64_VARIANT_ORIGINAL),
            0);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(decoded), decodedLength), std::string("\x01\x02saturator-state\xff"));
  EXPECT_EQ(vst.unknown->parameterIds, (std::vector<std::int64_t>{17, 4294967295LL}));
  EXPECT_EQ(vst.params, (project::Params{{"17", 0.25}}));

  // The compressor and limiter in Amplitude's units (ms).
  ASSERT_EQ(verb.inserts.size(), 1u);
  EXPECT_EQ(verb.inserts[0].device, project::EffectDeviceName::Compressor);
  EXPECT_EQ(verb.inserts[0].params, (project::Params{{"attack", 5}, {"ratio", 3}, {"release", 200}, {"threshold", -18}}));
  ASSERT_EQ(master.inserts.size(), 1u);
  EXPECT_EQ(master.inserts[0].device, project::EffectDeviceName::Limiter);
  EXPECT_EQ(master.inserts[0].params, (project::Params{{"ceiling", -1}, {"release", 50}}));

  // The instrument: a CLAP plug-in kept as Unknown.
  ASSERT_TRUE(keys.instrument.has_value());
  EXPECT_EQ(keys.instrument->id, "inst1");
  EXPECT_EQ(keys.instrument->device, project::InstrumentDeviceName::Unknown);
  EXPECT_EQ(keys.instrument->unknown->format, project::PluginFormat::clap);
  EXPECT_EQ(keys.instrument->unknown->pluginId, "com.example.piano");

  // Assets: the WAVs' facts, content-addressed files in the assets directory.
  ASSERT_EQ(document.assets.size(), 2u);
  const auto& drumsAsset = document.assets[0];
  EXPECT_EQ(drumsAsset.name, "drums.wav");
  EXPECT_EQ(drumsAsset.sha256, sha256(files.drums));
  EXPECT_EQ(drumsAsset.sampleRate, 48000);
  EXPECT_EQ(drumsAsset.channels, 1);
  EXPECT_EQ(drumsAsset.frames, 240000);
  EXPECT_EQ(drumsAsset.mime, "audio/wav");
  EXPECT_TRUE(fs::is_regular_file(options.assetsDirectory / (drumsAsset.sha256 + ".wav")));
  EXPECT_EQ(readFile(options.assetsDirectory / (document.assets[1].sha256 + ".wav")), files.vocal);

  // Clips: the warped clip in beats; the vocal placed in seconds (1.2 s at 100 BPM = beat 2).
  ASSERT_EQ(drums.clips.size(), 1u);
  const auto& loop = std::get<project::AudioClip>(drums.clips[0]);
  EXPECT_EQ(loop.name, "Loop");
  EXPECT_EQ(loop.assetId, drumsAsset.id);
  EXPECT_EQ(loop.startBeat, 3);
  EXPECT_EQ(loop.lengthBeats, 6);
  EXPECT_EQ(loop.sourceOffsetSeconds, 0);
  EXPECT_EQ(loop.fadeIn.lengthBeats, 0.5);
  EXPECT_EQ(loop.fadeOut.lengthBeats, 1);
  EXPECT_FALSE(loop.loop.enabled);
  EXPECT_FALSE(loop.muted);
  ASSERT_EQ(vocal.clips.size(), 1u);
  const auto& take = std::get<project::AudioClip>(vocal.clips[0]);
  EXPECT_NEAR(take.startBeat, 2, 1e-12);
  EXPECT_NEAR(take.lengthBeats, 3, 1e-12);
  EXPECT_EQ(take.sourceOffsetSeconds, 0.5);

  ASSERT_EQ(keys.clips.size(), 1u);
  const auto& riff = std::get<project::MidiClip>(keys.clips[0]);
  EXPECT_EQ(riff.startBeat, 0);
  EXPECT_EQ(riff.lengthBeats, 6);
  EXPECT_TRUE(riff.loop.enabled);
  EXPECT_EQ(riff.loop.lengthBeats, 3);
  ASSERT_EQ(riff.notes.size(), 3u);
  const auto note = [](const project::Note& n) { return std::tuple(n.pitch, n.velocity, n.releaseVelocity, n.channel, n.startBeat, n.lengthBeats); };
  EXPECT_EQ(note(riff.notes[0]), std::tuple(60, 0.8, 0.5, 0, 0.0, 1.0));
  EXPECT_EQ(note(riff.notes[1]), std::tuple(64, 0.6, 0.0, 1, 1.5, 0.5));
  EXPECT_EQ(note(riff.notes[2]), std::tuple(67, 1.0, 1.0, 0, 2.0, 1.0));

  // Automation: each Points element becomes a lane on the parameter it targets, in our units.
  const auto points = [](const project::AutomationLane& lane) {
    std::vector<std::tuple<double, double, project::PointShape>> result;
    for (const auto& p : lane.points) result.emplace_back(p.beat, p.value, p.shape);
    return result;
  };
  using S = project::PointShape;
  const auto& volume = laneFor(drums, "volume");
  EXPECT_EQ(volume.target.kind, project::AutomationTargetKind::strip);
  ASSERT_EQ(volume.points.size(), 2u);
  EXPECT_DOUBLE_EQ(volume.points[0].value, 20 * std::log10(0.5));
  EXPECT_EQ(volume.points[1].value, 0);
  EXPECT_EQ(volume.points[1].beat, 6);
  EXPECT_EQ(volume.points[1].shape, S::hold);
  EXPECT_EQ(points(laneFor(drums, "pan")), (std::vector<std::tuple<double, double, S>>{{2, -1, S::linear}, {4, 1, S::linear}}));
  const auto& eqLane = laneFor(drums, "band2Gain");
  EXPECT_EQ(eqLane.target.kind, project::AutomationTargetKind::insert);
  EXPECT_EQ(eqLane.target.insertId, "eq1");
  EXPECT_EQ(points(eqLane), (std::vector<std::tuple<double, double, S>>{{0, 4.5, S::linear}, {4, -6, S::linear}}));
  const auto& vstLane = laneFor(drums, "17");
  EXPECT_EQ(vstLane.target.insertId, "vst1");
  EXPECT_EQ(points(vstLane), (std::vector<std::tuple<double, double, S>>{{1, 0.75, S::hold}}));
  const auto& sendLane = laneFor(drums, "level");
  EXPECT_EQ(sendLane.target.kind, project::AutomationTargetKind::send);
  EXPECT_EQ(sendLane.target.sendId, "sendVerb");
  EXPECT_DOUBLE_EQ(sendLane.points[0].value, 20 * std::log10(0.25));
  EXPECT_EQ(sendLane.points[1].value, 0);
  const auto& muteLane = laneFor(vocal, "mute");
  ASSERT_EQ(muteLane.points.size(), 1u);
  EXPECT_NEAR(muteLane.points[0].beat, 8, 1e-12);  // 4.8 s at 100 BPM
  EXPECT_EQ(muteLane.points[0].value, 0);
  EXPECT_EQ(muteLane.points[0].shape, S::hold);

  // What was approximate is said: the plug-ins are kept but not run.
  const auto said = [&](std::string_view text) {
    return std::any_of(result.warnings.begin(), result.warnings.end(), [&](const auto& w) { return w.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(said("plug-in 'Acme Saturator' is kept")) << ::testing::PrintToString(result.warnings);
  EXPECT_FALSE(said("time-stretched")) << ::testing::PrintToString(result.warnings);
}

// ---- round trips -----------------------------------------------------------------------------

/// Ids DAWproject has no place for (clips, notes, lanes, points, tempo/metre changes, markers,
/// assets, the project) renamed by position, and track order keys replaced by rank: what must be
/// equal after a round trip. Track, send, insert and instrument ids are kept as they are.
project::ProjectDocument withPositionalIds(project::ProjectDocument document) {
  document.project.id = "project";
  document.project.created = document.project.modified = "2000-01-01T00:00:00.000Z";
  int next = 0;
  const auto id = [&] { return "#" + std::to_string(next++); };
  for (auto& change : document.transport.tempoChanges) change.id = id();
  for (auto& change : document.transport.timeSignatureChanges) change.id = id();
  for (auto& marker : document.markers) marker.id = id();
  std::stable_sort(document.assets.begin(), document.assets.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::map<std::string, std::string> assetIds;
  for (auto& asset : document.assets) asset.id = assetIds[asset.id] = id();
  std::stable_sort(document.tracks.begin(), document.tracks.end(), [](const auto& a, const auto& b) { return a.order != b.order ? a.order < b.order : a.id < b.id; });
  for (std::size_t t = 0; t < document.tracks.size(); ++t) {
    auto& track = document.tracks[t];
    track.order = static_cast<double>(t);
    for (auto& clip : track.clips) {
      if (auto* audio = std::get_if<project::AudioClip>(&clip)) {
        audio->id = id();
        audio->assetId = assetIds[audio->assetId];
      } else {
        auto& midi = std::get<project::MidiClip>(clip);
        midi.id = id();
        for (auto& note : midi.notes) note.id = id();
      }
    }
    for (auto& lane : track.automation) {
      lane.id = id();
      for (auto& point : lane.points) point.id = id();
    }
  }
  return document;
}

void expectSameDocument(const project::ProjectDocument& expected, const project::ProjectDocument& actual) {
  const nlohmann::json a = withPositionalIds(expected);
  const nlohmann::json b = withPositionalIds(actual);
  EXPECT_EQ(a, b) << "differences (expected -> actual): " << nlohmann::json::diff(a, b).dump(1);
}

project::ProjectDocument parse(const std::string& text) {
  auto parsed = project::parseProjectText(text);
  if (!parsed.ok()) throw std::runtime_error(parsed.errors.front());
  return std::move(*parsed.document);
}

/// Everything DAWproject can carry, once each: tempo and metre changes, markers, a master with a
/// limiter, two buses (a group and a send return), an audio track with a sparse EQ, a VST3 and a
/// gain, pre- and post-fader sends, looped/muted/faded audio clips over a tempo change, an
/// instrument track with a PolySynth and notes, automation on strip, inserts, plug-in, send and
/// instrument parameters.
std::string ownDocument(const std::string& drumsSha, const std::string& voxSha) {
  return R"({"format":"amplitude-project","schemaVersion":1,
  "project":{"id":"prj-own","name":"Round trip","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","sampleRate":48000},
  "transport":{"tempoChanges":[{"id":"t0","beat":0,"beatsPerMinute":120},{"id":"t1","beat":8,"beatsPerMinute":90.5}],
    "timeSignatureChanges":[{"id":"m0","bar":0,"numerator":4,"denominator":4},{"id":"m1","bar":2,"numerator":7,"denominator":8},{"id":"m2","bar":4,"numerator":3,"denominator":4}],
    "loop":{"enabled":false,"startBeat":0,"endBeat":16},"metronome":{"enabled":false,"countInBars":0,"levelDb":-6}},
  "markers":[{"id":"mk1","beat":0,"name":"Intro","colour":"#3366ff"},{"id":"mk2","beat":15,"name":"Drop","colour":"#FF8800"}],
  "assets":[{"id":"as-drums","name":"drums.wav","sha256":")" + drumsSha + R"(","sampleRate":48000,"channels":2,"frames":96000,"mime":"audio/wav"},
            {"id":"as-vox","name":"vocal take.wav","sha256":")" + voxSha + R"(","sampleRate":48000,"channels":1,"frames":48000,"mime":"audio/wav"}],
  "tracks":[
    {"id":"master","kind":"master","name":"Master","colour":"#c0c0c0","order":0,
     "strip":{"volumeDb":-1.5,"pan":0,"mute":false,"solo":false,"soloSafe":false,"invert":false},"sends":[],
     "inserts":[{"id":"ins-lim","device":"Limiter","enabled":true,"params":{"ceiling":-0.3,"release":80,"lookahead":1.5}}],
     "clips":[],"automation":[{"id":"l-mv","target":{"kind":"strip","param":"volume"},"points":[
        {"id":"p1","beat":0,"value":-1.5,"shape":"linear","curvature":0},{"id":"p2","beat":12,"value":-96,"shape":"hold","curvature":0}]}]},
    {"id":"bus-drums","kind":"bus","name":"Drum group","colour":"#aa3333","order":1,"output":"master",
     "strip":{"volumeDb":-3,"pan":0.1,"mute":false,"solo":false,"soloSafe":false,"invert":false},"sends":[],
     "inserts":[{"id":"ins-glue","device":"Compressor","enabled":true,"params":{"threshold":-18,"ratio":2,"attack":30,"release":200,"knee":3,"mix":80}}],
     "clips":[],"automation":[]},
    {"id":"bus-verb","kind":"bus","name":"Reverb return","colour":"#3333aa","order":2,"output":"master",
     "strip":{"volumeDb":0,"pan":0,"mute":false,"solo":false,"soloSafe":false,"invert":false},"sends":[],
     "inserts":[{"id":"ins-verb","device":"Reverb","enabled":true,"params":{"size":70,"mix":100}},
                {"id":"ins-delay","device":"Delay","enabled":false,"params":{"sync":1,"division":8}}],
     "clips":[],"automation":[]},
    {"id":"trk-drums","kind":"audio","name":"Drums","colour":"#ff4444","order":3,"output":"bus-drums",
     "strip":{"volumeDb":-6,"pan":-0.25,"mute":false,"solo":true,"soloSafe":false,"invert":false},
     "sends":[{"id":"snd-verb","target":"bus-verb","levelDb":-18,"preFader":false},{"id":"snd-pre","target":"bus-verb","levelDb":-9.5,"preFader":true}],
     "inserts":[{"id":"ins-eq","device":"ParametricEq","enabled":true,"params":{"band1Enabled":1,"band1Type":4,"band1Frequency":40,"band4Gain":-3.5,"band4Q":2}},
       {"id":"ins-vst","device":"Unknown","enabled":true,"params":{"0":0.5,"17":0.25},
        "unknown":{"format":"vst3","vendor":"Acme Audio","pluginId":"ABCDEF0123456789ABCDEF0123456789","name":"Acme Saturator","state":"q83vEjRWeJA=","parameterIds":[0,17,4294967295]}},
       {"id":"ins-gain","device":"Gain","enabled":true,"params":{"gain":0}}],
     "clips":[
       {"kind":"audio","id":"c1","name":"Drums A","assetId":"as-drums","startBeat":4,"lengthBeats":6,"sourceOffsetSeconds":0.25,"gainDb":0,
        "fadeIn":{"lengthBeats":0.5,"curve":"linear"},"fadeOut":{"lengthBeats":1,"curve":"linear"},"loop":{"enabled":true,"lengthBeats":2},"muted":false},
       {"kind":"audio","id":"c2","name":"","assetId":"as-drums","startBeat":12.5,"lengthBeats":1.5,"sourceOffsetSeconds":0,"gainDb":0,
        "fadeIn":{"lengthBeats":0,"curve":"linear"},"fadeOut":{"lengthBeats":0,"curve":"linear"},"loop":{"enabled":false,"lengthBeats":1.5},"muted":true}],
     "automation":[
       {"id":"l-eq","target":{"kind":"insert","insertId":"ins-eq","param":"band4Gain"},"points":[
         {"id":"p3","beat":0,"value":-3.5,"shape":"linear","curvature":0},{"id":"p4","beat":8,"value":6,"shape":"hold","curvature":0}]},
       {"id":"l-eq2","target":{"kind":"insert","insertId":"ins-eq","param":"band6Frequency"},"points":[
         {"id":"p5","beat":2,"value":5000,"shape":"linear","curvature":0}]},
       {"id":"l-vst","target":{"kind":"insert","insertId":"ins-vst","param":"4294967295"},"points":[{"id":"p6","beat":4,"value":0.1,"shape":"linear","curvature":0}]},
       {"id":"l-send","target":{"kind":"send","sendId":"snd-verb","param":"level"},"points":[
         {"id":"p7","beat":0,"value":-18,"shape":"linear","curvature":0},{"id":"p8","beat":16,"value":-6,"shape":"linear","curvature":0}]},
       {"id":"l-pan","target":{"kind":"strip","param":"pan"},"points":[
         {"id":"p9","beat":0,"value":-1,"shape":"linear","curvature":0},{"id":"p10","beat":4,"value":0.1,"shape":"hold","curvature":0}]},
       {"id":"l-mute","target":{"kind":"strip","param":"mute"},"points":[{"id":"p11","beat":10,"value":1,"shape":"hold","curvature":0}]}]},
    {"id":"trk-vox","kind":"audio","name":"Vocal","colour":"#44ff44","order":4,"output":"master",
     "strip":{"volumeDb":0,"pan":0,"mute":true,"solo":false,"soloSafe":false,"invert":false},"sends":[],"inserts":[],
     "clips":[{"kind":"audio","id":"c3","name":"Take 3","assetId":"as-vox","startBeat":2,"lengthBeats":2,"sourceOffsetSeconds":0.1,"gainDb":0,
        "fadeIn":{"lengthBeats":0.125,"curve":"linear"},"fadeOut":{"lengthBeats":0.125,"curve":"linear"},"loop":{"enabled":false,"lengthBeats":2},"muted":false}],
     "automation":[]},
    {"id":"trk-synth","kind":"instrument","name":"Lead synth","colour":"#8844ff","order":5,"output":"master",
     "strip":{"volumeDb":2.5,"pan":0,"mute":false,"solo":false,"soloSafe":false,"invert":false},"sends":[],"inserts":[],
     "instrument":{"id":"inst-synth","device":"PolySynth","enabled":true,"params":{"osc1Waveform":1,"filterCutoff":2000,"ampRelease":250}},
     "clips":[{"kind":"midi","id":"c4","name":"Riff","startBeat":0,"lengthBeats":4,"loop":{"enabled":true,"lengthBeats":4},"muted":false,"notes":[
        {"id":"n1","pitch":60,"velocity":0.8,"releaseVelocity":0.5,"channel":0,"startBeat":0,"lengthBeats":1},
        {"id":"n2","pitch":64,"velocity":0.6,"releaseVelocity":0,"channel":0,"startBeat":1,"lengthBeats":0.5},
        {"id":"n3","pitch":127,"velocity":0,"releaseVelocity":1,"channel":15,"startBeat":6,"lengthBeats":0.1}]},
        {"kind":"midi","id":"c5","name":"Tail","startBeat":4,"lengthBeats":3.5,"loop":{"enabled":false,"lengthBeats":3.5},"muted":true,"notes":[]}],
     "automation":[{"id":"l-cut","target":{"kind":"instrument","param":"filterCutoff"},"points":[
        {"id":"p12","beat":0,"value":200,"shape":"linear","curvature":0},{"id":"p13","beat":4,"value":20000,"shape":"hold","curvature":0}]},
        {"id":"l-res","target":{"kind":"instrument","param":"filterResonance"},"points":[{"id":"p14","beat":1,"value":30,"shape":"linear","curvature":0}]}]}
  ]})";
}

TEST(DawProject, AmplitudeToDawProjectToAmplitudeGivesTheDocumentBack) {
  TemporaryDirectory directory;
  const fs::path assets = directory.path() / "assets";
  fs::create_directories(assets);
  const auto drums = rampWav(96000, 48000, 2);
  const auto vox = rampWav(48000);
  writeFile(assets / (sha256(drums) + ".wav"), drums);
  writeFile(assets / "vocal take.wav", vox);  // found by name too
  const auto original = parse(ownDocument(sha256(drums), sha256(vox)));

  ExportOptions exportOptions;
  exportOptions.assetsDirectory = assets;
  const auto exported = exportDawProjectFile(original, directory.path() / "own.dawproject", exportOptions);
  EXPECT_EQ(exported.warnings, std::vector<std::string>{});
  EXPECT_EQ(schemaErrors(exported.projectXml, directory.path()), "");

  ImportOptions importOptions;
  importOptions.assetsDirectory = directory.path() / "imported-assets";
  const auto imported = importDawProjectFile(directory.path() / "own.dawproject", importOptions);
  EXPECT_EQ(imported.warnings.size(), 1u) << ::testing::PrintToString(imported.warnings);  // the VST3 is kept, not run
  expectSameDocument(original, imported.document);
  EXPECT_EQ(readFile(importOptions.assetsDirectory / (sha256(vox) + ".wav")), vox);

  // And once more: the second export is the same bytes as the first.
  const auto again = exportDawProject(imported.document, {importOptions.assetsDirectory});
  EXPECT_EQ(again.projectXml, exported.projectXml);
}

TEST(DawProject, TheFullExampleComesBackExceptWhatDawProjectCannotSay) {
  TemporaryDirectory directory;
  const fs::path assets = directory.path() / "assets";
  fs::create_directories(assets);
  std::ifstream in(fs::path(AMPLITUDE_PROJECT_EXAMPLES) / "full.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto original = parse(text);
  // Stand-ins for its assets with the facts the document states (its hashes are made up).
  AudioData drums{44100, 2, std::vector<float>(1764000 * 2, 0.0f)};
  writeFile(assets / "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.wav", writeWav(drums, WavFormat::Pcm16));
  writeFile(assets / "vocal take 3.flac", bytesOf("fLaC stand-in"));

  const auto exported = exportDawProject(original, {assets});
  EXPECT_EQ(schemaErrors(exported.projectXml, directory.path()), "");
  // Each thing DAWproject cannot carry is reported.
  const auto said = [&](std::string_view part) {
    return std::any_of(exported.warnings.begin(), exported.warnings.end(), [&](const auto& w) { return w.find(part) != std::string::npos; });
  };
  for (const char* part : {"curved automation", "clip gain", "fade curves", "polarity invert", "solo safe", "loop region", "metronome"}) {
    EXPECT_TRUE(said(part)) << part << " not in " << ::testing::PrintToString(exported.warnings);
  }

  ImportOptions options;
  options.assetsDirectory = directory.path() / "imported";
  const auto imported = importDawProject(exported.archive, options);

  // The original, less exactly those things (and the stand-in assets' hashes).
  project::ProjectDocument expected = original;
  expected.transport.loop = {false, 0, 16};
  expected.transport.metronome = {false, 0, -6};
  for (auto& track : expected.tracks) {
    track.strip.invert = false;
    track.strip.soloSafe = false;
    for (auto& clip : track.clips) {
      if (auto* audio = std::get_if<project::AudioClip>(&clip)) {
        audio->gainDb = 0;
        audio->fadeIn.curve = audio->fadeOut.curve = project::FadeCurve::linear;
      }
    }
    for (auto& lane : track.automation) {
      for (auto& point : lane.points) {
        if (point.shape == project::PointShape::curved) point.shape = project::PointShape::linear;
        point.curvature = 0;
      }
    }
  }
  project::ProjectDocument actual = imported.document;
  for (auto* document : {&expected, &actual}) {
    for (auto& asset : document->assets) asset.sha256 = "";
  }
  expectSameDocument(expected, actual);
}

// A clip of clips is flattened (placed through its playStart, cut at its end) and an alias clip
// plays the content it refers to.
constexpr std::string_view kNestedProject = R"(<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0">
  <Application name="Hand" version="1.0"/>
  <Transport><Tempo id="tempo" unit="bpm" value="120"/></Transport>
  <Structure>
    <Track contentType="notes" id="keys" name="Keys"><Channel id="kc" role="regular"/></Track>
  </Structure>
  <Arrangement>
    <Lanes timeUnit="beats">
      <Lanes track="keys">
        <Clips>
          <Clip time="4" duration="4" playStart="1" name="Outer">
            <Clips>
              <Clip time="2" duration="4" name="Inner">
                <Notes id="notesA"><Note time="0" duration="1" channel="0" key="60" vel="0.5" rel="0.5"/></Notes>
              </Clip>
            </Clips>
          </Clip>
          <Clip time="10" duration="2" reference="notesA" name="Alias"/>
        </Clips>
      </Lanes>
    </Lanes>
  </Arrangement>
</Project>
)";

TEST(DawProject, ClipsInsideClipsAreFlattenedAndAliasClipsPlayTheirReference) {
  TemporaryDirectory directory;
  EXPECT_EQ(schemaErrors(std::string(kNestedProject), directory.path()), "");
  const fs::path archive = directory.path() / "nested.dawproject";
  writeZip(archive, {{"project.xml", bytesOf(kNestedProject)}});
  const auto result = importDawProjectFile(archive);
  const auto& keys = result.document.tracks[0];
  ASSERT_EQ(keys.clips.size(), 2u);
  const auto& inner = std::get<project::MidiClip>(keys.clips[0]);
  EXPECT_EQ(inner.name, "Inner");
  EXPECT_EQ(inner.startBeat, 5);    // 4 + (2 - playStart 1)
  EXPECT_EQ(inner.lengthBeats, 3);  // cut at the outer clip's end, beat 8
  ASSERT_EQ(inner.notes.size(), 1u);
  EXPECT_EQ(inner.notes[0].pitch, 60);
  const auto& alias = std::get<project::MidiClip>(keys.clips[1]);
  EXPECT_EQ(alias.startBeat, 10);
  EXPECT_EQ(alias.lengthBeats, 2);
  ASSERT_EQ(alias.notes.size(), 1u);
  EXPECT_EQ(alias.notes[0].startBeat, 0);
  EXPECT_EQ(result.document.tracks[1].kind, project::TrackKind::master);  // added: the file has none
}

// ---- rendering -------------------------------------------------------------------------------

// One audio track, unity gain and centre pan; 100 BPM to beat 2, then 150 BPM: the clip at
// beat 3 starts at 2 * 0.6 s + 1 * 0.4 s = 1.6 s, frame 76800 at 48 kHz.
constexpr std::string_view kRenderProject = R"(<?xml version="1.0" encoding="UTF-8"?>
<Project version="1.0">
  <Application name="Hand" version="1.0"/>
  <Transport><Tempo id="tempo" unit="bpm" value="100"/><TimeSignature id="sig" numerator="3" denominator="4"/></Transport>
  <Structure>
    <Track contentType="audio" id="a" name="Audio"><Channel id="ac" role="regular" destination="mc"><Volume unit="decibel" value="0"/></Channel></Track>
    <Track contentType="audio" id="m" name="Master"><Channel id="mc" role="master"><Volume unit="linear" value="1"/></Channel></Track>
  </Structure>
  <Arrangement>
    <Lanes timeUnit="beats">
      <Lanes track="a"><Clips><Clip time="3" duration="1" playStart="0" contentTimeUnit="seconds"><Audio channels="1" sampleRate="48000" duration="1" timeUnit="seconds"><File path="audio/ramp.wav"/></Audio></Clip></Clips></Lanes>
    </Lanes>
    <TempoAutomation unit="bpm"><Target parameter="tempo"/><RealPoint time="0" value="100" interpolation="hold"/><RealPoint time="2" value="150" interpolation="hold"/></TempoAutomation>
  </Arrangement>
</Project>
)";

TEST(DawProject, AnImportedClipRendersFromTheFrameItsBeatLandsOnThroughTempoChanges) {
  TemporaryDirectory directory;
  EXPECT_EQ(schemaErrors(std::string(kRenderProject), directory.path()), "");
  const auto ramp = rampWav(48000);
  const fs::path archive = directory.path() / "render.dawproject";
  writeZip(archive, {{"project.xml", bytesOf(kRenderProject)}, {"audio/ramp.wav", ramp}});
  ImportOptions options;
  options.assetsDirectory = directory.path() / "assets";
  const auto imported = importDawProjectFile(archive, options);
  ASSERT_EQ(imported.document.transport.tempoChanges.size(), 2u);
  EXPECT_EQ(imported.document.transport.tempoChanges[1].beat, 2);
  EXPECT_EQ(imported.document.transport.tempoChanges[1].beatsPerMinute, 150);

  constexpr std::size_t kStart = 76800;
  constexpr std::size_t kLength = 19200;  // one beat at 150 BPM
  test::EngineHarness harness;
  const auto audio = std::get<AudioData>(readWav(ramp));
  const auto loaded = render::loadProject(harness.engine(), imported.document, [&](const project::Asset&) { return audio; });
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  EXPECT_EQ(loaded.endFrame, kStart + kLength);
  harness.send(protocol::Seek{0});
  harness.send(protocol::Play{});
  const auto out = harness.render((kStart + kLength) / 128 + 4);
  for (std::size_t t = 0; t < out.size(); ++t) {
    const bool inClip = t >= kStart && t < kStart + kLength;
    const float expected = inClip ? static_cast<float>(t - kStart + 1) / 131072.0f : 0.0f;
    ASSERT_EQ(out[t], expected) << "frame " << t;
  }

  // The same through the command line: amplitude-render --dawproject ... --wav.
  const fs::path wav = directory.path() / "out.wav";
  const std::string command = std::string(AMPLITUDE_RENDER_TOOL) + " --dawproject '" + archive.string() + "' --wav '" + wav.string() + "' > /dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const auto rendered = std::get<AudioData>(readWav(readFile(wav)));
  std::size_t first = 0;
  while (first < rendered.frames() && rendered.interleaved[2 * first] == 0.0f) ++first;
  EXPECT_EQ(first, kStart);
  EXPECT_EQ(rendered.interleaved[2 * kStart], 1.0f / 131072.0f);
}

// ---- the converter tool ----------------------------------------------------------------------

TEST(DawProject, TheConvertToolGoesBothWays) {
  TemporaryDirectory directory;
  const HandBuilt files;
  const fs::path input = writeHandBuilt(directory.path(), files);
  const fs::path out = directory.path() / "song";
  const std::string tool = AMPLITUDE_CONVERT_TOOL;
  ASSERT_EQ(std::system((tool + " '" + input.string() + "' '" + out.string() + "' > /dev/null 2>&1").c_str()), 0);
  std::ifstream song(out / "song.json");
  const std::string text((std::istreambuf_iterator<char>(song)), std::istreambuf_iterator<char>());
  const auto document = parse(text);
  EXPECT_EQ(document.tracks.size(), 5u);
  EXPECT_TRUE(fs::is_regular_file(out / "assets" / (sha256(files.drums) + ".wav")));

  const fs::path back = directory.path() / "back.dawproject";
  ASSERT_EQ(std::system((tool + " '" + (out / "song.json").string() + "' --assets '" + (out / "assets").string() + "' '" + back.string() + "' > /dev/null 2>&1").c_str()), 0);
  const auto reimported = importDawProjectFile(back);
  expectSameDocument(document, reimported.document);
  // A bad input is an exit status and a message, not a crash.
  EXPECT_EQ(WEXITSTATUS(std::system((tool + " /nonexistent.dawproject '" + out.string() + "' 2> /dev/null").c_str())), 2);
}

// ---- refusals --------------------------------------------------------------------------------

std::string importError(const std::map<std::string, std::vector<std::byte>>& entries, const ImportOptions& options = {}) {
  TemporaryDirectory directory;
  const fs::path path = directory.path() / "bad.dawproject";
  writeZip(path, entries);
  try {
    importDawProjectFile(path, options);
  } catch (const DawProjectError& error) {
    return error.what();
  }
  return "(imported without error)";
}

std::string withReplaced(std::string_view from, std::string_view to) {
  std::string text(kHandBuiltProject);
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("test text not found: " + std::string(from));
  return text.replace(at, from.size(), to);
}

std::map<std::string, std::vector<std::byte>> handBuiltWith(const std::string& projectXml) {
  const HandBuilt files;
  return {{"project.xml", bytesOf(projectXml)}, {"audio/drums.wav", files.drums}, {"audio/vocal.wav", files.vocal}};
}

TEST(DawProject, BadInputsAreRefusedWithPreciseMessages) {
  using ::testing::HasSubstr;
  try {
    importDawProject(bytesOf("this is not a zip file at all"));
    ADD_FAILURE() << "no error";
  } catch (const DawProjectError& error) {
    EXPECT_THAT(error.what(), HasSubstr("not a DAWproject file: it is not a ZIP archive"));
  }
  EXPECT_THAT(importError({{"metadata.xml", bytesOf("<MetaData/>")}}), HasSubstr("bad.dawproject: not a DAWproject file: the archive has no project.xml"));
  EXPECT_THAT(importError({{"project.xml", bytesOf("<?xml version=\"1.0\"?>\n<Project version=\"1.0\">\n  <Structure>\n</Project>")}}),
              HasSubstr("project.xml line 4: malformed XML"));
  EXPECT_THAT(importError({{"project.xml", bytesOf("<Song/>")}}), HasSubstr("project.xml: the root element is <Song>, not <Project>"));
  // A clip whose audio is not in the archive.
  EXPECT_THAT(importError(handBuiltWith(withReplaced("audio/vocal.wav\"", "audio/missing.wav\""))),
              HasSubstr("project.xml line 131 <File>: attribute path: the audio file 'audio/missing.wav' is not in the archive"));
  EXPECT_THAT(importError(handBuiltWith(withReplaced("<Clip time=\"3\"", "<Clip time=\"soon\""))),
              HasSubstr("project.xml line 92 <Clip>: attribute time: 'soon' is not a finite number"));
  EXPECT_THAT(importError(handBuiltWith(withReplaced("numerator=\"3\" denominator=\"4\"", "numerator=\"3\" denominator=\"5\""))),
              HasSubstr("project.xml line 6 <TimeSignature>: attribute denominator: 5 is not one of 1, 2, 4, 8, 16, 32"));
  EXPECT_THAT(importError(handBuiltWith(withReplaced("unit=\"linear\" min=\"0\" max=\"2\" value=\"0.5\"", "unit=\"hertz\" value=\"0.5\""))),
              HasSubstr("<Volume>: attribute unit: 'hertz' is not a volume unit Amplitude reads (linear or decibel)"));
  EXPECT_THAT(importError(handBuiltWith(withReplaced("key=\"64\"", "key=\"200\""))), HasSubstr("<Note>: attribute key: 200 is outside 0..127"));
  EXPECT_THAT(importError(handBuiltWith(withReplaced("<Band type=\"bell\"", "<Band type=\"tilt\""))), HasSubstr("<Band>: attribute type: 'tilt' is not an EQ band type"));
  // An audio file that is not audio.
  auto notWav = handBuiltWith(std::string(kHandBuiltProject));
  notWav["audio/vocal.wav"] = bytesOf("RIFF....WAVEjunk");
  EXPECT_THAT(importError(notWav), HasSubstr("<File>: attribute path: audio/vocal.wav: "));

  // A ZIP bomb: 64 MiB of zeros deflate to ~64 KiB; the limit refuses it before inflating.
  auto bomb = handBuiltWith(std::string(kHandBuiltProject));
  bomb["audio/drums.wav"] = std::vector<std::byte>(64 << 20, std::byte{0});
  ImportOptions limited;
  limited.limits.maxEntryBytes = 16 << 20;
  EXPECT_THAT(importError(bomb, limited), HasSubstr("audio/drums.wav: uncompressed size 67108864 bytes exceeds the limit of 16777216 bytes"));

  // An export whose asset file is nowhere.
  TemporaryDirectory directory;
  const auto document = parse(ownDocument(std::string(64, 'a'), std::string(64, 'b')));
  try {
    exportDawProject(document, {directory.path()});
    ADD_FAILURE() << "no error";
  } catch (const DawProjectError& error) {
    EXPECT_THAT(error.what(), HasSubstr("asset 'drums.wav' (sha256 aaaa"));
  }
}

TEST(DawProject, ApproximateImportsAreListedAsWarnings) {
  TemporaryDirectory directory;
  const HandBuilt files;
  // The drums clip stretched to twice its speed; a noise gate; a clip launcher scene.
  std::string text = withReplaced("<Warp time=\"6\" contentTime=\"3.6\"/>", "<Warp time=\"6\" contentTime=\"7.2\"/>");
  text.replace(text.find("</Devices>"), 10, "<NoiseGate deviceName=\"Gate\" deviceRole=\"audioFX\"><Threshold unit=\"decibel\" value=\"-40\"/></NoiseGate></Devices>");
  ImportOptions options;
  options.assetsDirectory = directory.path() / "assets";
  const auto result = importDawProjectFile(writeHandBuilt(directory.path(), files, text), options);
  const auto said = [&](std::string_view part) {
    return std::any_of(result.warnings.begin(), result.warnings.end(), [&](const auto& w) { return w.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(said("clip 'Loop' is time-stretched (2x); Amplitude plays it at its own speed")) << ::testing::PrintToString(result.warnings);
  EXPECT_TRUE(said("'Gate' is a device Amplitude does not have; kept (bypassed) for export")) << ::testing::PrintToString(result.warnings);
  // The gate goes back out as the same element.
  const auto exported = exportDawProject(result.document, {options.assetsDirectory});
  EXPECT_NE(exported.projectXml.find("<NoiseGate deviceName=\"Gate\" deviceRole=\"audioFX\""), std::string::npos);
  EXPECT_NE(exported.projectXml.find("<Threshold unit=\"decibel\" value=\"-40\""), std::string::npos);
  EXPECT_EQ(schemaErrors(exported.projectXml, directory.path()), "");
  // A name with a control character (which XML cannot carry) still exports to valid XML.
  auto renamed = result.document;
  renamed.tracks[0].name = std::string("Dr\x01ums", 6);
  EXPECT_EQ(schemaErrors(exportDawProject(renamed, {options.assetsDirectory}).projectXml, directory.path()), "");
}

}  // namespace
}  // namespace amplitude::io::dawproject
