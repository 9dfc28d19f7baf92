#include "amplitude/server/api/AudioSniffer.h"

#include <array>
#include <cstdint>

namespace amplitude::server::api {

namespace {

constexpr AudioFormat kWav{"wav", "audio/wav"};
constexpr AudioFormat kAiff{"aiff", "audio/aiff"};
constexpr AudioFormat kFlac{"flac", "audio/flac"};
constexpr AudioFormat kMp3{"mp3", "audio/mpeg"};
constexpr AudioFormat kVorbis{"ogg-vorbis", "audio/ogg"};
constexpr AudioFormat kOpus{"ogg-opus", "audio/ogg"};

std::uint32_t le32(std::string_view b, std::size_t at) {
  return static_cast<std::uint8_t>(b[at]) | static_cast<std::uint8_t>(b[at + 1]) << 8 |
         static_cast<std::uint8_t>(b[at + 2]) << 16 | static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 3])) << 24;
}
std::uint16_t le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(b[at]) | static_cast<std::uint8_t>(b[at + 1]) << 8);
}
std::uint32_t be32(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at])) << 24 | static_cast<std::uint8_t>(b[at + 1]) << 16 |
         static_cast<std::uint8_t>(b[at + 2]) << 8 | static_cast<std::uint8_t>(b[at + 3]);
}
std::uint16_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(b[at]) << 8 | static_cast<std::uint8_t>(b[at + 1]));
}
std::uint8_t byte(std::string_view b, std::size_t at) { return static_cast<std::uint8_t>(b[at]); }

/// RIFF/WAVE: walk the chunks in the head for a sane "fmt " (PCM, float or extensible).
bool isWav(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "RIFF" || b.substr(8, 4) != "WAVE") return false;
  for (std::size_t at = 12; at + 8 <= b.size();) {
    const auto size = le32(b, at + 4);
    if (b.substr(at, 4) == "fmt ") {
      if (size < 16 || at + 8 + 16 > b.size()) return false;
      const auto tag = le16(b, at + 8), channels = le16(b, at + 10);
      const auto rate = le32(b, at + 12);
      const auto bits = le16(b, at + 22);
      return (tag == 1 || tag == 3 || tag == 0xFFFE) && channels >= 1 && channels <= 64 && rate >= 1000 &&
             rate <= 768000 && bits >= 8 && bits <= 64;
    }
    at += 8 + static_cast<std::size_t>(size) + (size & 1);  // chunks are word-aligned
  }
  return false;
}

/// FORM/AIFF or AIFC with a COMM chunk that has channels and sample frames.
bool isAiff(std::string_view b) {
  if (b.size() < 12 || b.substr(0, 4) != "FORM" || (b.substr(8, 4) != "AIFF" && b.substr(8, 4) != "AIFC")) return false;
  for (std::size_t at = 12; at + 8 <= b.size();) {
    const auto size = be32(b, at + 4);
    if (b.substr(at, 4) == "COMM") {
      if (size < 18 || at + 8 + 18 > b.size()) return false;
      const auto channels = be16(b, at + 8), bits = be16(b, at + 14);
      return channels >= 1 && channels <= 64 && bits >= 1 && bits <= 32;
    }
    at += 8 + static_cast<std::size_t>(size) + (size & 1);
  }
  return false;
}

/// "fLaC" then a STREAMINFO block (type 0, 34 bytes) with a sample rate.
bool isFlac(std::string_view b) {
  if (b.size() < 8 + 34 || b.substr(0, 4) != "fLaC") return false;
  const auto type = byte(b, 4) & 0x7f;
  const auto length = static_cast<std::uint32_t>(byte(b, 5)) << 16 | byte(b, 6) << 8 | byte(b, 7);
  const auto rate = static_cast<std::uint32_t>(byte(b, 18)) << 12 | byte(b, 19) << 4 | byte(b, 20) >> 4;
  return type == 0 && length == 34 && rate > 0;
}

/// An MPEG audio frame header: sync, a real version, layer, bitrate and sample rate.
bool isMpegFrameHeader(std::string_view b, std::size_t at) {
  if (at + 4 > b.size()) return false;
  if (byte(b, at) != 0xFF || (byte(b, at + 1) & 0xE0) != 0xE0) return false;
  const auto version = (byte(b, at + 1) >> 3) & 3, layer = (byte(b, at + 1) >> 1) & 3;
  const auto bitrate = byte(b, at + 2) >> 4, rate = (byte(b, at + 2) >> 2) & 3;
  return version != 1 && layer != 0 && bitrate != 0 && bitrate != 15 && rate != 3;
}

bool isMp3(std::string_view b) {
  if (b.size() >= 10 && b.substr(0, 3) == "ID3") {
    // ID3v2: version 2-4, and a "syncsafe" size whose bytes never have the top bit set.
    const auto major = byte(b, 3);
    return major >= 2 && major <= 4 && byte(b, 4) != 0xFF && (byte(b, 6) | byte(b, 7) | byte(b, 8) | byte(b, 9)) < 0x80;
  }
  return isMpegFrameHeader(b, 0);
}

/// An Ogg page (version 0) whose first packet is a Vorbis or Opus identification header.
std::optional<AudioFormat> oggFormat(std::string_view b) {
  if (b.size() < 28 || b.substr(0, 4) != "OggS" || byte(b, 4) != 0) return std::nullopt;
  const std::size_t segments = byte(b, 26);
  const std::size_t packet = 27 + segments;
  if (packet + 8 > b.size()) return std::nullopt;
  if (b.substr(packet, 7) == "\x01vorbis") return kVorbis;
  if (b.substr(packet, 8) == "OpusHead") return kOpus;
  return std::nullopt;
}

}  // namespace

std::optional<AudioFormat> sniffAudio(std::string_view head) {
  if (isWav(head)) return kWav;
  if (isAiff(head)) return kAiff;
  if (isFlac(head)) return kFlac;
  if (auto ogg = oggFormat(head)) return ogg;
  if (isMp3(head)) return kMp3;
  return std::nullopt;
}

std::string_view mimeTypeOfAudioFormat(std::string_view name) {
  for (const auto& format : std::array{kWav, kAiff, kFlac, kMp3, kVorbis, kOpus})
    if (format.name == name) return format.mimeType;
  return "application/octet-stream";
}

}  // namespace amplitude::server::api
