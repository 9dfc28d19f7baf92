// Invariant: the C++ project document reader accepts the shared valid examples, refuses each shared
// invalid example with exactly the errors it lists (web/src/project/*.test.ts holds the TypeScript
// reader to the same lists), survives hostile text, round-trips losslessly, migrates the shared v0
// examples as TypeScript does, and converts beats, seconds and frames as the shared vectors say.
#include <amplitude/project/Ids.h>
#include <amplitude/project/ProjectDocument.h>
#include <amplitude/project/TempoMap.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace project = amplitude::project;
using nlohmann::json;

namespace {

const std::filesystem::path kExamples = AMPLITUDE_PROJECT_EXAMPLES;

std::string readText(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

json readJson(const std::filesystem::path& path) { return json::parse(readText(path)); }

/// Equal as JSON, numbers within 1e-9 (a dB conversion goes through log10).
void expectClose(const json& actual, const json& expected, const std::string& path = "") {
  if (expected.is_number()) {
    ASSERT_TRUE(actual.is_number()) << path;
    EXPECT_NEAR(actual.get<double>(), expected.get<double>(), 1e-9) << path;
  } else if (expected.is_array()) {
    ASSERT_TRUE(actual.is_array()) << path;
    ASSERT_EQ(actual.size(), expected.size()) << path;
    for (std::size_t i = 0; i < expected.size(); ++i) expectClose(actual[i], expected[i], path + "[" + std::to_string(i) + "]");
  } else if (expected.is_object()) {
    ASSERT_TRUE(actual.is_object()) << path;
    std::vector<std::string> a, e;
    for (auto it = actual.begin(); it != actual.end(); ++it) a.push_back(it.key());
    for (auto it = expected.begin(); it != expected.end(); ++it) e.push_back(it.key());
    ASSERT_EQ(a, e) << path;
    for (auto it = expected.begin(); it != expected.end(); ++it) expectClose(actual.at(it.key()), it.value(), path + "." + it.key());
  } else {
    EXPECT_EQ(actual, expected) << path;
  }
}

struct InvalidCase {
  std::string name;
  std::string text;
  std::vector<std::string> expectedErrors;
};

std::vector<InvalidCase> invalidCases() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kExamples / "invalid")) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<InvalidCase> cases;
  for (const auto& file : files) {
    const json spec = readJson(file);
    InvalidCase c{file.stem().string(), {}, spec.at("expectedErrors").get<std::vector<std::string>>()};
    if (spec.contains("text")) c.text = spec["text"].get<std::string>();
    else if (spec.contains("base")) c.text = readJson(kExamples / spec["base"].get<std::string>()).patch(spec.at("patch")).dump();
    else c.text = spec.at("document").dump();
    cases.push_back(std::move(c));
  }
  return cases;
}

class InvalidExample : public testing::TestWithParam<InvalidCase> {};

}  // namespace

TEST(ProjectDocument, ValidExamplesParseAndRoundTripLosslessly) {
  for (const char* name : {"minimal.json", "full.json"}) {
    SCOPED_TRACE(name);
    const std::string text = readText(kExamples / name);
    const project::ParseResult parsed = project::parseProjectText(text);
    ASSERT_TRUE(parsed.ok()) << (parsed.errors.empty() ? "" : parsed.errors.front());
    EXPECT_FALSE(parsed.migratedFrom);
    EXPECT_EQ(json(*parsed.document), json::parse(text));  // struct -> JSON gives back the file
    const project::ParseResult again = project::parseProjectText(project::serializeProject(*parsed.document));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again.document, *parsed.document);
  }
}

TEST(ProjectDocument, FullExampleReachesEveryVariant) {
  const auto parsed = project::parseProjectText(readText(kExamples / "full.json"));
  ASSERT_TRUE(parsed.ok());
  const auto& tracks = parsed.document->tracks;
  ASSERT_EQ(tracks.size(), 9u);
  EXPECT_TRUE(std::holds_alternative<project::AudioClip>(tracks[3].clips[0]));
  EXPECT_TRUE(std::holds_alternative<project::MidiClip>(tracks[5].clips[0]));
  EXPECT_EQ(tracks[3].inserts[1].device, project::EffectDeviceName::Unknown);
  EXPECT_EQ(tracks[3].inserts[1].unknown->parameterIds.back(), 4294967295);
  EXPECT_EQ(tracks[6].instrument->unknown->format, project::PluginFormat::clap);
  EXPECT_EQ(std::get<project::AudioClip>(tracks[3].clips[1]).fadeIn.curve, project::FadeCurve::sCurve);
  EXPECT_EQ(tracks[3].automation[0].target.kind, project::AutomationTargetKind::insert);
  EXPECT_EQ(parsed.document->transport.timeSignatureChanges[1].denominator, 8);
  EXPECT_EQ(parsed.document->project.name, "Every feature \xE2\x80\x94 \xC3\xBCn\xC3\xAF" "c\xC3\xB8" "d\xC3\xA9 \xF0\x9F\x8E\xB5");
}

TEST_P(InvalidExample, IsRefusedWithItsErrors) {
  const InvalidCase& c = GetParam();
  const project::ParseResult result = project::parseProjectText(c.text);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.errors, c.expectedErrors);
}

INSTANTIATE_TEST_SUITE_P(Examples, InvalidExample, testing::ValuesIn(invalidCases()),
                         [](const testing::TestParamInfo<InvalidCase>& info) {
                           std::string name = info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(ProjectDocument, HasAtLeastFiftyInvalidExamples) { EXPECT_GE(invalidCases().size(), 50u); }

TEST(ProjectDocument, RefusesTextBeyondTheSizeLimitBeforeParsing) {
  const std::string text = "{\"pad\": \"" + std::string(project::kMaxDocumentBytes, 'x') + "\"}";
  EXPECT_EQ(project::parseProjectText(text).errors, std::vector<std::string>{"document: larger than 33554432 bytes"});
}

TEST(ProjectDocument, RefusesAMillionLevelsOfNestingWithoutRecursing) {
  const std::string text = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  EXPECT_EQ(project::parseProjectText(text).errors, std::vector<std::string>{"document: nested deeper than 64 levels"});
}

TEST(ProjectDocument, AnswersAHugeArrayWithOneErrorAndStopsAtAHundred) {
  json minimal = readJson(kExamples / "minimal.json");
  json huge = minimal;
  huge["assets"] = json(std::vector<int>(1'000'000, 0));
  EXPECT_EQ(project::parseProjectJson(huge).errors, std::vector<std::string>{"assets: must have at most 4096 items"});
  json many = minimal;
  many["markers"] = json(std::vector<int>(4096, 0));
  EXPECT_EQ(project::parseProjectJson(many).errors.size(), project::kMaxErrors);
}

TEST(ProjectDocument, DoesNotEchoAHostileKey) {
  json minimal = readJson(kExamples / "minimal.json");
  minimal[std::string(100'000, 'k')] = 1;
  EXPECT_EQ(project::parseProjectJson(minimal).errors, std::vector<std::string>{"[(a long or non-ASCII name)]: is not allowed"});
}

TEST(ProjectDocument, NeverThrowsOnJunk) {
  for (const char* text : {"", "null", "1", "\"x\"", "{\"schemaVersion\": 1e400}", "{\"schemaVersion\": 1.5}", "{\"schemaVersion\": -1}",
                           "{\"schemaVersion\": 0, \"tracks\": 5}", "{\"schemaVersion\": 0, \"tracks\": [null, 1, {\"type\": \"midi\", \"clips\": [1, {\"notes\": \"x\"}]}]}",
                           "{\"schemaVersion\": 0, \"timeSignature\": \"x\", \"id\": 7}", "]]]][[[[", "{\"a\": \"\xff\"}"}) {
    SCOPED_TRACE(text);
    const auto result = project::parseProjectText(text);
    EXPECT_FALSE(result.ok());
    EXPECT_FALSE(result.errors.empty());
  }
}

TEST(ProjectMigrations, MigratesTheV0ExampleAsTypeScriptDoes) {
  const json example = readJson(kExamples / "migrations" / "v0-song.json");
  expectClose(project::migrateV0ToV1(example.at("document")), example.at("expected"));
  const auto parsed = project::parseProjectText(example.at("document").dump());
  ASSERT_TRUE(parsed.ok()) << parsed.errors.front();
  EXPECT_EQ(parsed.migratedFrom, 0);
  expectClose(json(*parsed.document), example.at("expected"));
}

TEST(ProjectMigrations, PassesWrongTypesThroughSoValidationNamesThem) {
  const json example = readJson(kExamples / "migrations" / "v0-hostile.json");
  EXPECT_EQ(project::parseProjectJson(example.at("document")).errors, example.at("expectedErrors").get<std::vector<std::string>>());
}

TEST(TempoMap, MatchesTheSharedVectors) {
  const json vectors = readJson(AMPLITUDE_PROJECT_VECTORS);
  const double tolerance = vectors.at("tolerance").get<double>();
  const auto close = [&](double actual, double expected) { EXPECT_LE(std::fabs(actual - expected), tolerance * std::max(1.0, std::fabs(expected))); };
  struct Change {
    double beat;
    double beatsPerMinute;
  };
  for (const json& c : vectors.at("tempo")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    std::vector<Change> changes;
    for (const json& t : c.at("tempoChanges")) changes.push_back({t.at("beat").get<double>(), t.at("beatsPerMinute").get<double>()});
    const project::TempoMap map(changes);
    const double rate = c.at("sampleRate").get<double>();
    for (const json& p : c.at("atBeats")) {
      const double beat = p.at("beat").get<double>();
      close(map.secondsAtBeat(beat), p.at("seconds").get<double>());
      EXPECT_EQ(map.frameAtBeat(beat, rate), p.at("frame").get<std::int64_t>()) << beat;
      close(map.beatAtSeconds(map.secondsAtBeat(beat)), beat);
    }
    for (const json& p : c.at("atSeconds")) close(map.beatAtSeconds(p.at("seconds").get<double>()), p.at("beat").get<double>());
    for (const json& p : c.at("atFrames")) {
      const auto frame = p.at("frame").get<std::int64_t>();
      close(map.beatAtFrame(frame, rate), p.at("beat").get<double>());
      EXPECT_EQ(map.frameAtBeat(map.beatAtFrame(frame, rate), rate), frame);
    }
  }
  for (const json& c : vectors.at("meter")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    std::vector<project::TimeSignatureChange> changes;
    for (const json& t : c.at("timeSignatureChanges")) {
      changes.push_back({"x", t.at("bar").get<std::int64_t>(), t.at("numerator").get<std::int64_t>(), t.at("denominator").get<std::int64_t>()});
    }
    const project::MeterMap map(changes);
    for (const json& p : c.at("atBars")) close(map.beatAtBar(p.at("bar").get<std::int64_t>()), p.at("beat").get<double>());
    for (const json& p : c.at("atBeats")) {
      const auto position = map.barAtBeat(p.at("beat").get<double>());
      EXPECT_EQ(position.bar, p.at("bar").get<std::int64_t>());
      close(position.beatInBar, p.at("beatInBar").get<double>());
    }
  }
}

TEST(TempoMap, RoundTripsEveryFrameOfTheFirstMinuteThroughBeats) {
  const std::vector<project::TempoChange> changes{{"a", 0, 97}, {"b", 3.5, 133.25}, {"c", 17.75, 20}};
  const project::TempoMap map(changes);
  for (std::int64_t frame = 0; frame < 44100 * 60; frame += 7) ASSERT_EQ(map.frameAtBeat(map.beatAtFrame(frame, 44100), 44100), frame);
}

TEST(ProjectIds, NewIdsAreValidAndDistinct) {
  std::mt19937_64 random(42);
  std::set<std::string> ids;
  const project::Pattern pattern("^[A-Za-z0-9_.:-]{1,64}$");
  for (int i = 0; i < 20000; ++i) {
    const std::string id = project::makeId(random);
    EXPECT_EQ(id.size(), project::kNewIdLength);
    EXPECT_EQ(id.find('.'), std::string::npos);
    EXPECT_TRUE(pattern.matches(id));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 20000u);
  EXPECT_EQ(project::derivedId("trk1", "instrument"), "trk1.instrument");
}

TEST(ProjectDocument, FormatsNumbersAsJavaScriptDoes) {
  EXPECT_EQ(project::formatNumber(0.1), "0.1");
  EXPECT_EQ(project::formatNumber(-96), "-96");
  EXPECT_EQ(project::formatNumber(20000), "20000");
  EXPECT_EQ(project::formatNumber(1e21), "1e+21");
  EXPECT_EQ(project::formatNumber(1e-7), "1e-7");
  EXPECT_EQ(project::formatNumber(1e-6), "0.000001");
  EXPECT_EQ(project::formatNumber(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(project::formatNumber(1e20), "100000000000000000000");
}
