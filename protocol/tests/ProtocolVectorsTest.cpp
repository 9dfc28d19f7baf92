// Invariant: the generated C++ encoder and decoder produce and read exactly the bytes of the shared
// vectors (protocol/vectors/commands.json), which the TypeScript side is held to as well.
#include <amplitude/protocol/Protocol.generated.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

namespace protocol = amplitude::protocol;
using nlohmann::json;

namespace {

json loadVectors() {
  std::ifstream file(AMPLITUDE_PROTOCOL_VECTORS);
  return json::parse(file);
}

protocol::CommandRecord recordFromHex(std::string hex) {
  std::erase(hex, ' ');
  protocol::CommandRecord record{};
  EXPECT_EQ(hex.size(), 2 * protocol::kCommandRecordSize);
  for (std::size_t i = 0; i < protocol::kCommandRecordSize; ++i) {
    record.bytes[i] = static_cast<std::byte>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
  }
  return record;
}

std::string hexOf(const protocol::CommandRecord& record) {
  std::string hex;
  char pair[3];
  for (std::byte b : record.bytes) {
    std::snprintf(pair, sizeof pair, "%02x", static_cast<unsigned>(b));
    hex += pair;
  }
  return hex;
}

protocol::CommandBody bodyFromJson(const json& command) {
  const std::string type = command.at("type");
  if (type == "Play") return protocol::Play{};
  if (type == "Stop") return protocol::Stop{};
  if (type == "Seek") return protocol::Seek{std::stoull(command.at("positionSamples").get<std::string>())};
  if (type == "SetParam") {
    return protocol::SetParam{command.at("nodeId"), command.at("paramId"), command.at("value").get<float>()};
  }
  if (type == "AddNode") return protocol::AddNode{command.at("nodeId"), command.at("deviceType")};
  if (type == "RemoveNode") return protocol::RemoveNode{command.at("nodeId")};
  if (type == "Connect") {
    return protocol::Connect{command.at("sourceNodeId"), command.at("destinationNodeId"), command.at("sourcePort"),
                             command.at("destinationPort"), command.at("gain").get<float>()};
  }
  if (type == "Disconnect") {
    return protocol::Disconnect{command.at("sourceNodeId"), command.at("destinationNodeId"), command.at("sourcePort"),
                                command.at("destinationPort")};
  }
  if (type == "NoteOn") return protocol::NoteOn{command.at("nodeId"), command.at("note"), command.at("velocity").get<float>()};
  if (type == "NoteOff") return protocol::NoteOff{command.at("nodeId"), command.at("note")};
  if (type == "AddAutomationPoint") {
    return protocol::AddAutomationPoint{command.at("nodeId"), command.at("paramId"), command.at("shape"),
                                        command.at("curvature"), command.at("positionSamples"),
                                        command.at("value").get<float>()};
  }
  if (type == "ClearAutomation") return protocol::ClearAutomation{command.at("nodeId"), command.at("paramId")};
  if (type == "AssignSample") return protocol::AssignSample{command.at("nodeId"), command.at("sampleIndex"), command.at("slot")};
  if (type == "SetLoop") {
    return protocol::SetLoop{std::stoull(command.at("startSamples").get<std::string>()),
                             std::stoull(command.at("endSamples").get<std::string>())};
  }
  if (type == "ScheduleNote") {
    return protocol::ScheduleNote{command.at("nodeId"), command.at("note"), command.at("velocity"), command.at("clipId"),
                                  std::stoull(command.at("positionSamples").get<std::string>())};
  }
  if (type == "ClearNotes") return protocol::ClearNotes{command.at("nodeId"), command.at("clipId")};
  if (type == "PlaceClip") return protocol::PlaceClip{command.at("nodeId"), command.at("slot")};
  if (type == "RemoveClip") return protocol::RemoveClip{command.at("nodeId"), command.at("clipId")};
  if (type == "CommitTempoMap") return protocol::CommitTempoMap{command.at("count")};
  if (type == "SetMetronome") {
    return protocol::SetMetronome{command.at("enabled"), command.at("countInBars"), command.at("levelDecibels").get<float>()};
  }
  if (type == "SetTempo") return protocol::SetTempo{command.at("beatsPerMinute").get<float>()};
  ADD_FAILURE() << "vector names an unknown command " << type;
  return protocol::Play{};
}

protocol::ErrorCode errorFromName(const std::string& name) {
  if (name == "SchemaVersionMismatch") return protocol::ErrorCode::SchemaVersionMismatch;
  if (name == "UnknownCommand") return protocol::ErrorCode::UnknownCommand;
  if (name == "MalformedRecord") return protocol::ErrorCode::MalformedRecord;
  ADD_FAILURE() << "vector names an unknown error " << name;
  return protocol::ErrorCode::None;
}

}  // namespace

TEST(ProtocolVectors, EveryCommandHasAVector) {
  const json vectors = loadVectors();
  std::set<std::string> covered;
  for (const json& vector : vectors.at("valid")) covered.insert(vector.at("command").at("type").get<std::string>());
  EXPECT_EQ(covered.size(), std::variant_size_v<protocol::CommandBody>);
}

TEST(ProtocolVectors, EncoderWritesTheVectorBytes) {
  const json vectors = loadVectors();
  ASSERT_GE(vectors.at("valid").size(), 4u);
  for (const json& vector : vectors.at("valid")) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    protocol::Command command{vector.at("sequence"), vector.at("sampleOffset"), bodyFromJson(vector.at("command"))};
    protocol::CommandRecord record;
    std::memset(record.bytes, 0xAB, sizeof record.bytes);  // the encoder must clear every byte
    protocol::encodeCommand(command, record);
    std::string expected = vector.at("hex");
    std::erase(expected, ' ');
    EXPECT_EQ(hexOf(record), expected);
  }
}

TEST(ProtocolVectors, DecoderReadsTheVectorBytes) {
  const json vectors = loadVectors();
  for (const json& vector : vectors.at("valid")) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    protocol::Command decoded;
    ASSERT_EQ(protocol::decodeCommand(recordFromHex(vector.at("hex")), decoded), protocol::ErrorCode::None);
    EXPECT_EQ(decoded.sequence, vector.at("sequence").get<std::uint32_t>());
    EXPECT_EQ(decoded.sampleOffset, vector.at("sampleOffset").get<std::uint32_t>());
    EXPECT_EQ(decoded.body, bodyFromJson(vector.at("command")));
  }
}

TEST(ProtocolVectors, DecoderRejectsMalformedRecordsWithTheirReason) {
  const json vectors = loadVectors();
  const json& invalid = vectors.at("invalid");
  ASSERT_GE(invalid.size(), 3u);
  for (const json& vector : invalid) {
    SCOPED_TRACE(vector.at("name").get<std::string>());
    protocol::Command decoded;
    EXPECT_EQ(protocol::decodeCommand(recordFromHex(vector.at("hex")), decoded), errorFromName(vector.at("error")));
  }
}

TEST(ProtocolVectors, EveryErrorCodeHasAMessage) {
  for (auto code : {protocol::ErrorCode::UnknownCommand, protocol::ErrorCode::ValueOutOfRange,
                    protocol::ErrorCode::NonFiniteValue, protocol::ErrorCode::UnknownNode}) {
    EXPECT_NE(protocol::errorMessage(code), "unknown error code");
    EXPECT_FALSE(protocol::errorMessage(code).empty());
  }
}
