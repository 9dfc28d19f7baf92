#include <amplitude/io/WavFile.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace amplitude::io {

namespace {

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatFloat = 3;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

std::uint16_t u16(std::span<const std::byte> at) {
  return static_cast<std::uint16_t>(std::to_integer<std::uint16_t>(at[0]) | (std::to_integer<std::uint16_t>(at[1]) << 8));
}
std::uint32_t u32(std::span<const std::byte> at) {
  return std::to_integer<std::uint32_t>(at[0]) | (std::to_integer<std::uint32_t>(at[1]) << 8) |
         (std::to_integer<std::uint32_t>(at[2]) << 16) | (std::to_integer<std::uint32_t>(at[3]) << 24);
}
bool tagIs(std::span<const std::byte> at, const char* tag) { return std::memcmp(at.data(), tag, 4) == 0; }

struct Format {
  std::uint16_t code = 0;
  std::uint16_t channels = 0;
  std::uint32_t sampleRate = 0;
  std::uint16_t bitsPerSample = 0;
  std::uint16_t blockAlign = 0;
};

float decodeSample(const std::byte* at, const Format& format) {
  switch (format.bitsPerSample) {
    case 8:  // unsigned, offset 128
      return (std::to_integer<int>(at[0]) - 128) / 128.0f;
    case 16: {
      const auto value = static_cast<std::int16_t>(std::to_integer<std::uint16_t>(at[0]) | (std::to_integer<std::uint16_t>(at[1]) << 8));
      return value / 32768.0f;
    }
    case 24: {
      std::int32_t value = std::to_integer<std::int32_t>(at[0]) | (std::to_integer<std::int32_t>(at[1]) << 8) |
                           (std::to_integer<std::int32_t>(at[2]) << 16);
      if (value & 0x800000) value -= 0x1000000;
      return static_cast<float>(value / 8388608.0);
    }
    case 32: {
      const std::uint32_t bits = u32({at, 4});
      if (format.code == kFormatFloat) return std::bit_cast<float>(bits);
      return static_cast<float>(static_cast<std::int32_t>(bits) / 2147483648.0);
    }
    case 64: {
      std::uint64_t bits = 0;
      for (int i = 7; i >= 0; --i) bits = (bits << 8) | std::to_integer<std::uint64_t>(at[i]);
      return static_cast<float>(std::bit_cast<double>(bits));
    }
    default:
      return 0.0f;
  }
}

void put16(std::vector<std::byte>& out, std::uint32_t value) {
  out.push_back(static_cast<std::byte>(value & 0xff));
  out.push_back(static_cast<std::byte>((value >> 8) & 0xff));
}
void put32(std::vector<std::byte>& out, std::uint32_t value) {
  put16(out, value & 0xffff);
  put16(out, value >> 16);
}
void putTag(std::vector<std::byte>& out, const char* tag) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::byte>(tag[i]));
}

}  // namespace

std::variant<AudioData, WavError> readWav(std::span<const std::byte> file, std::size_t maxFrames) {
  if (file.size() < 12) return WavError{"not a WAV file: shorter than its 12-byte RIFF header"};
  if (!tagIs(file, "RIFF") || !tagIs(file.subspan(8), "WAVE")) return WavError{"not a WAV file: no RIFF/WAVE header"};

  Format format;
  bool haveFormat = false;
  std::span<const std::byte> data;
  bool haveData = false;
  std::size_t at = 12;
  while (at + 8 <= file.size()) {
    const auto id = file.subspan(at, 4);
    const std::uint64_t size = u32(file.subspan(at + 4, 4));
    const std::size_t body = at + 8;
    const std::size_t available = file.size() - body;
    if (tagIs(id, "fmt ")) {
      if (size < 16 || size > available) return WavError{"malformed fmt chunk: " + std::to_string(size) + " bytes"};
      const auto fmt = file.subspan(body, static_cast<std::size_t>(size));
      format = {u16(fmt), u16(fmt.subspan(2)), u32(fmt.subspan(4)), u16(fmt.subspan(14)), u16(fmt.subspan(12))};
      if (format.code == kFormatExtensible) {
        if (size < 40) return WavError{"malformed WAVE_FORMAT_EXTENSIBLE fmt chunk"};
        format.code = u16(fmt.subspan(24));  // the sub-format GUID starts with the format code
      }
      haveFormat = true;
    } else if (tagIs(id, "data")) {
      // A truncated file (a recording cut short) keeps what is there, in whole frames.
      data = file.subspan(body, static_cast<std::size_t>(std::min<std::uint64_t>(size, available)));
      haveData = true;
      break;
    }
    at = body + static_cast<std::size_t>(std::min<std::uint64_t>(size + (size & 1), available));
  }
  if (!haveFormat) return WavError{"no fmt chunk before the audio data"};
  if (!haveData) return WavError{"no data chunk"};
  if (format.code != kFormatPcm && format.code != kFormatFloat) {
    return WavError{"unsupported sample format code " + std::to_string(format.code) + " (PCM and IEEE float are read)"};
  }
  const bool pcmBits = format.code == kFormatPcm && (format.bitsPerSample == 8 || format.bitsPerSample == 16 ||
                                                     format.bitsPerSample == 24 || format.bitsPerSample == 32);
  const bool floatBits = format.code == kFormatFloat && (format.bitsPerSample == 32 || format.bitsPerSample == 64);
  if (!pcmBits && !floatBits) return WavError{"unsupported bits per sample: " + std::to_string(format.bitsPerSample)};
  if (format.channels == 0 || format.channels > 64) return WavError{"unsupported channel count " + std::to_string(format.channels)};
  if (format.sampleRate < 1000 || format.sampleRate > 768000) return WavError{"implausible sample rate " + std::to_string(format.sampleRate)};
  const std::size_t bytesPerSample = format.bitsPerSample / 8;
  if (format.blockAlign != bytesPerSample * format.channels) return WavError{"block align does not match channels and bits"};

  const std::size_t frames = data.size() / format.blockAlign;
  if (frames > maxFrames) return WavError{"too long: " + std::to_string(frames) + " frames"};
  AudioData audio;
  audio.sampleRate = format.sampleRate;
  audio.channels = format.channels;
  audio.interleaved.resize(frames * format.channels);
  for (std::size_t i = 0; i < audio.interleaved.size(); ++i) {
    const float sample = decodeSample(data.data() + i * bytesPerSample, format);
    audio.interleaved[i] = std::isfinite(sample) ? sample : 0.0f;  // a float file with NaN: silence there
  }
  return audio;
}

std::vector<std::byte> writeWav(const AudioData& audio, WavFormat format, std::uint64_t ditherSeed) {
  const std::uint32_t bits = format == WavFormat::Pcm16 ? 16 : (format == WavFormat::Pcm24 ? 24 : 32);
  const std::uint32_t bytesPerSample = bits / 8;
  const auto dataBytes = static_cast<std::uint32_t>(audio.interleaved.size() * bytesPerSample);
  // Canonical layouts, as readers expect them: 16-bit PCM in the plain 16-byte fmt chunk; 24-bit
  // PCM as WAVE_FORMAT_EXTENSIBLE (the spec's form for more than 16 bits); float with an 18-byte
  // fmt chunk (cbSize 0) and the fact chunk that non-PCM formats require.
  const bool extensible = format == WavFormat::Pcm24;
  const bool isFloat = format == WavFormat::Float32;
  const std::uint32_t fmtBytes = extensible ? 40 : (isFloat ? 18 : 16);
  const std::uint32_t factBytes = isFloat ? 12 : 0;
  std::vector<std::byte> out;
  out.reserve(28 + fmtBytes + factBytes + dataBytes + 1);
  putTag(out, "RIFF");
  put32(out, 4 + (8 + fmtBytes) + factBytes + (8 + dataBytes + (dataBytes & 1)));
  putTag(out, "WAVE");
  putTag(out, "fmt ");
  put32(out, fmtBytes);
  put16(out, extensible ? kFormatExtensible : (isFloat ? kFormatFloat : kFormatPcm));
  put16(out, audio.channels);
  put32(out, audio.sampleRate);
  put32(out, audio.sampleRate * audio.channels * bytesPerSample);
  put16(out, audio.channels * bytesPerSample);
  put16(out, bits);
  if (isFloat) put16(out, 0);
  if (extensible) {
    put16(out, 22);    // cbSize
    put16(out, bits);  // valid bits per sample
    put32(out, audio.channels == 1 ? 0x4 : (audio.channels == 2 ? 0x3 : 0));  // speaker positions
    // KSDATAFORMAT_SUBTYPE_PCM {00000001-0000-0010-8000-00AA00389B71}
    for (const int b : {1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71}) out.push_back(static_cast<std::byte>(b));
  }
  if (isFloat) {
    putTag(out, "fact");
    put32(out, 4);
    put32(out, static_cast<std::uint32_t>(audio.frames()));
  }
  putTag(out, "data");
  put32(out, dataBytes);

  // TPDF dither of one LSB peak to peak: the sum of two uniform values from a seeded xorshift.
  std::uint64_t state = ditherSeed ? ditherSeed : 1;
  const auto uniform = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<double>(state >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
  };
  const double scale = format == WavFormat::Pcm16 ? 32768.0 : 8388608.0;
  for (const float sample : audio.interleaved) {
    if (format == WavFormat::Float32) {
      put32(out, std::bit_cast<std::uint32_t>(sample));
      continue;
    }
    const double dithered = sample * scale + (uniform() - uniform());
    const double clipped = std::clamp(std::round(dithered), -scale, scale - 1.0);
    const auto value = static_cast<std::uint32_t>(static_cast<std::int32_t>(clipped));
    out.push_back(static_cast<std::byte>(value & 0xff));
    out.push_back(static_cast<std::byte>((value >> 8) & 0xff));
    if (format == WavFormat::Pcm24) out.push_back(static_cast<std::byte>((value >> 16) & 0xff));
  }
  if (dataBytes & 1) out.push_back(std::byte{0});
  return out;
}

}  // namespace amplitude::io
