// Invariants of rendering a project document natively: the loader builds the document's tracks,
// clips, tempo map and automation into the engine so that an audio clip starts on the exact frame
// its beat lands on through tempo changes and plays its asset's frames; what cannot be loaded is
// reported by name.
#include <amplitude/render/ProjectLoader.h>

#include "support/EngineHarness.h"

#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

namespace amplitude {
namespace {

nlohmann::json strip() {
  return {{"volumeDb", 0}, {"pan", 0}, {"mute", false}, {"solo", false}, {"soloSafe", false}, {"invert", false}};
}

nlohmann::json track(const std::string& id, const std::string& kind, double order, nlohmann::json clips = nlohmann::json::array()) {
  nlohmann::json t{{"id", id},  {"kind", kind},   {"name", id},   {"colour", "#808080"},          {"order", order},
                   {"strip", strip()}, {"sends", nlohmann::json::array()}, {"inserts", nlohmann::json::array()},
                   {"clips", clips},   {"automation", nlohmann::json::array()}};
  if (kind != "master") t["output"] = "master";
  return t;
}

/// 120 BPM for 8 beats (192000 frames), then 90 BPM: beat 10 is frame 192000 + 2 * 32000.
nlohmann::json song(nlohmann::json tracks, nlohmann::json assets) {
  return {{"format", "amplitude-project"},
          {"schemaVersion", 1},
          {"project", {{"id", "song-1"}, {"name", "Song"}, {"created", "2026-01-01T00:00:00.000Z"},
                       {"modified", "2026-01-01T00:00:00.000Z"}, {"sampleRate", 48000}}},
          {"transport", {{"tempoChanges", {{{"id", "t0"}, {"beat", 0}, {"beatsPerMinute", 120}},
                                           {{"id", "t1"}, {"beat", 8}, {"beatsPerMinute", 90}}}},
                         {"timeSignatureChanges", {{{"id", "m0"}, {"bar", 0}, {"numerator", 4}, {"denominator", 4}}}},
                         {"loop", {{"enabled", false}, {"startBeat", 0}, {"endBeat", 4}}},
                         {"metronome", {{"enabled", false}, {"countInBars", 0}, {"levelDb", -6}}}}},
          {"markers", nlohmann::json::array()},
          {"assets", assets},
          {"tracks", tracks}};
}

nlohmann::json audioClip(const std::string& id, double startBeat, double lengthBeats, double offsetSeconds) {
  const nlohmann::json noFade{{"lengthBeats", 0}, {"curve", "linear"}};
  return {{"kind", "audio"},       {"id", id},          {"name", id},     {"assetId", "asset-1"},
          {"startBeat", startBeat}, {"lengthBeats", lengthBeats}, {"sourceOffsetSeconds", offsetSeconds},
          {"gainDb", 0},            {"fadeIn", noFade},  {"fadeOut", noFade}, {"loop", {{"enabled", false}, {"lengthBeats", 1}}},
          {"muted", false}};
}

const nlohmann::json kAsset = {{{"id", "asset-1"}, {"name", "ramp.wav"}, {"sha256", std::string(64, 'a')}, {"sampleRate", 48000},
                                {"channels", 1}, {"frames", 100000}, {"mime", "audio/wav"}}};

io::AudioData ramp() {
  io::AudioData audio{48000, 1, {}};
  for (int k = 0; k < 100000; ++k) audio.interleaved.push_back(static_cast<float>(k + 1) / 131072.0f);
  return audio;
}

TEST(ProjectRender, AnAudioClipStartsOnTheFrameOfItsBeatThroughTempoChanges) {
  const auto text = song({track("master", "master", 0), track("audio-1", "audio", 1, {audioClip("clip-1", 10, 1, 0.5)})}, kAsset).dump();
  const auto parsed = project::parseProjectText(text);
  ASSERT_TRUE(parsed.ok()) << (parsed.errors.empty() ? "" : parsed.errors.front());
  test::EngineHarness harness;
  const auto loaded = render::loadProject(harness.engine(), *parsed.document, [](const project::Asset&) { return ramp(); });
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  constexpr std::size_t kStart = 192'000 + 64'000;  // beat 10
  constexpr std::size_t kLength = 32'000;           // one beat at 90 BPM
  EXPECT_EQ(loaded.endFrame, kStart + kLength);
  harness.send(protocol::Seek{0});
  harness.send(protocol::Play{});
  const auto out = harness.render((kStart + kLength) / 128 + 10);
  for (std::size_t t = 0; t < out.size(); ++t) {
    const bool inClip = t >= kStart && t < kStart + kLength;
    // 0.5 s into the asset is frame 24000, whose value is 24001 / 131072.
    const float expected = inClip ? static_cast<float>(24'000 + (t - kStart) + 1) / 131072.0f : 0.0f;
    ASSERT_EQ(out[t], expected) << "frame " << t;
  }
}

TEST(ProjectRender, ASongStartsAtItsMixerLevelsFromTheFirstSample) {
  // Strips glide ~10 ms from their defaults to a new level; the loader settles them before Play,
  // so a clip at beat 0 on a track at -20 dB into a master at -6 dB is at -26 dB from frame 0.
  auto document = song({track("master", "master", 0), track("audio-1", "audio", 1, {audioClip("clip-1", 0, 1, 0)})}, kAsset);
  document["tracks"][0]["strip"]["volumeDb"] = -6;
  document["tracks"][1]["strip"]["volumeDb"] = -20;
  const auto parsed = project::parseProjectText(document.dump());
  ASSERT_TRUE(parsed.ok()) << (parsed.errors.empty() ? "" : parsed.errors.front());
  test::EngineHarness harness;
  const auto loaded = render::loadProject(harness.engine(), *parsed.document, [](const project::Asset&) { return ramp(); });
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  EXPECT_EQ(harness.state().commandsRejected, 0u);
  harness.send(protocol::Seek{0});
  harness.send(protocol::Play{});
  const auto out = harness.render(8);
  const double gain = std::pow(10.0, -26.0 / 20.0);
  for (std::size_t t = 0; t < out.size(); ++t) {
    const double expected = static_cast<double>(t + 1) / 131072.0 * gain;
    ASSERT_NEAR(out[t], expected, expected * 1e-5) << "frame " << t;
  }
}

TEST(ProjectRender, ReportsWhatCannotBeLoadedByName) {
  auto document = song({track("master", "master", 0), track("audio-1", "audio", 1, {audioClip("clip-1", 0, 1, 0)})}, kAsset);
  document["tracks"][1]["inserts"] = {{{"id", "fx-1"}, {"device", "Delay"}, {"enabled", true}, {"params", {{"time", 300}}}}};
  const auto parsed = project::parseProjectText(document.dump());
  ASSERT_TRUE(parsed.ok()) << (parsed.errors.empty() ? "" : parsed.errors.front());
  test::EngineHarness harness;
  const auto loaded = render::loadProject(harness.engine(), *parsed.document, [](const project::Asset&) { return std::nullopt; });
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_NE(loaded.errors.front().find("ramp.wav was not found"), std::string::npos) << loaded.errors.front();
  EXPECT_EQ(harness.state().commandsRejected, 0u) << "the delay insert and its time were accepted";
  EXPECT_GT(harness.state().commandsApplied, 5u);
}

}  // namespace
}  // namespace amplitude
