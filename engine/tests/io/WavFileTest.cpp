// Invariants of the WAV reader and writer: what we write, an independent reader (sox) reads with
// the right format and samples; what real files contain, we read; malformed files are refused
// with a reason, and never make us read past the bytes that are there.
#include <amplitude/io/WavFile.h>

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>
#include <variant>

namespace amplitude::io {
namespace {

AudioData sine(std::uint32_t channels, std::size_t frames, double amplitude = 0.5) {
  AudioData audio{48000, channels, {}};
  for (std::size_t i = 0; i < frames; ++i) {
    for (std::uint32_t c = 0; c < channels; ++c) {
      audio.interleaved.push_back(static_cast<float>(amplitude * std::sin(2 * std::numbers::pi * 440.0 * (c + 1) * i / 48000.0)));
    }
  }
  return audio;
}

const AudioData& decoded(const std::variant<AudioData, WavError>& result) {
  if (const auto* error = std::get_if<WavError>(&result)) ADD_FAILURE() << error->message;
  static const AudioData empty;
  const auto* audio = std::get_if<AudioData>(&result);
  return audio ? *audio : empty;
}

TEST(WavFile, FloatRoundTripsBitExactly) {
  const AudioData audio = sine(2, 1000);
  const auto back = decoded(readWav(writeWav(audio, WavFormat::Float32)));
  EXPECT_EQ(back.sampleRate, 48000u);
  EXPECT_EQ(back.channels, 2u);
  EXPECT_EQ(back.interleaved, audio.interleaved);
}

TEST(WavFile, PcmRoundTripsWithinTheDitherAndQuantisationError) {
  for (const auto& [format, lsb] : {std::pair{WavFormat::Pcm16, 1.0 / 32768}, std::pair{WavFormat::Pcm24, 1.0 / 8388608}}) {
    const AudioData audio = sine(1, 4800);
    const auto back = decoded(readWav(writeWav(audio, format)));
    ASSERT_EQ(back.interleaved.size(), audio.interleaved.size());
    double worst = 0.0;
    double errorSum = 0.0;
    for (std::size_t i = 0; i < audio.interleaved.size(); ++i) {
      const double error = back.interleaved[i] - audio.interleaved[i];
      worst = std::max(worst, std::fabs(error));
      errorSum += error;
    }
    EXPECT_LE(worst, 1.5 * lsb) << "TPDF dither of 1 LSB peak to peak plus rounding";
    EXPECT_LT(std::fabs(errorSum / audio.interleaved.size()), 0.05 * lsb) << "dither is zero-mean";
  }
  // Seeded: the same input gives the same bytes.
  EXPECT_EQ(writeWav(sine(1, 100), WavFormat::Pcm16, 9), writeWav(sine(1, 100), WavFormat::Pcm16, 9));
}

TEST(WavFile, PcmClipsBeyondFullScale) {
  const AudioData loud{48000, 1, {2.0f, -2.0f, 1.0f, -1.0f}};
  const auto back = decoded(readWav(writeWav(loud, WavFormat::Pcm16)));
  EXPECT_EQ(back.interleaved[0], 32767.0f / 32768.0f);
  EXPECT_EQ(back.interleaved[1], -1.0f);
}

TEST(WavFile, SoxReadsWhatWeWriteWithTheRightFormatAndSamples) {
  if (std::system("command -v sox >/dev/null 2>&1 && command -v soxi >/dev/null 2>&1") != 0) {
    GTEST_FAIL() << "sox is required (Debian package sox; scripts/ensure-deps.sh installs it)";
  }
  const auto dir = std::filesystem::temp_directory_path() / ("amplitude-wav-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  const AudioData audio = sine(2, 48000);
  for (const auto& [format, bits, encoding] : {std::tuple{WavFormat::Pcm16, 16, "Signed Integer PCM"},
                                              std::tuple{WavFormat::Pcm24, 24, "Signed Integer PCM"},
                                              std::tuple{WavFormat::Float32, 32, "Floating Point PCM"}}) {
    const auto path = dir / ("out-" + std::to_string(bits) + ".wav");
    const auto bytes = writeWav(audio, format);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    const auto run = [](const std::string& command) {
      std::string output;
      if (FILE* pipe = popen(command.c_str(), "r")) {
        std::array<char, 256> buffer{};
        while (fgets(buffer.data(), buffer.size(), pipe)) output += buffer.data();
        pclose(pipe);
      }
      return output;
    };
    const std::string info = run("soxi '" + path.string() + "' 2>&1");
    EXPECT_EQ(info.find("WARN"), std::string::npos) << "a canonical header: " << info;
    EXPECT_NE(info.find("Channels       : 2"), std::string::npos) << info;
    EXPECT_NE(info.find("Sample Rate    : 48000"), std::string::npos) << info;
    EXPECT_NE(info.find("Precision      : " + std::to_string(bits == 32 ? 25 : bits) + "-bit"), std::string::npos) << info;
    EXPECT_NE(info.find("Duration       : 00:00:01.00 = 48000 samples"), std::string::npos) << info;
    EXPECT_NE(info.find(encoding), std::string::npos) << info;
    // sox decodes the samples: its converted float file must match what we wrote.
    const auto converted = dir / ("sox-" + std::to_string(bits) + ".f32");
    ASSERT_EQ(std::system(("sox '" + path.string() + "' -t f32 -e floating-point '" + converted.string() + "'").c_str()), 0);
    std::ifstream in(converted, std::ios::binary);
    std::vector<float> samples(audio.interleaved.size());
    in.read(reinterpret_cast<char*>(samples.data()), static_cast<std::streamsize>(samples.size() * sizeof(float)));
    ASSERT_EQ(static_cast<std::size_t>(in.gcount()), samples.size() * sizeof(float));
    // sox holds samples as 32-bit integers: a float file comes back within one float ulp.
    const double tolerance = bits == 16 ? 1.5 / 32768 : (bits == 24 ? 1.5 / 8388608 : 1.0 / 16777216);
    for (std::size_t i = 0; i < samples.size(); i += 97) {
      ASSERT_NEAR(samples[i], audio.interleaved[i], tolerance + 1e-9) << bits << "-bit sample " << i;
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(WavFile, ReadsExtensibleAndSkipsOtherChunks) {
  // Our 24-bit files are WAVE_FORMAT_EXTENSIBLE; put an odd-sized LIST chunk (padded, as DAWs
  // write them) in front of fmt and the reader must find the same audio.
  const auto file = writeWav(sine(2, 10), WavFormat::Pcm24);
  ASSERT_EQ(std::to_integer<int>(file[20]) | (std::to_integer<int>(file[21]) << 8), 0xFFFE) << "extensible";
  std::vector<std::byte> edited(file.begin(), file.begin() + 12);
  for (const int b : {int{'L'}, int{'I'}, int{'S'}, int{'T'}, 3, 0, 0, 0, int{'a'}, int{'b'}, int{'c'}, 0}) {
    edited.push_back(static_cast<std::byte>(b));
  }
  edited.insert(edited.end(), file.begin() + 12, file.end());
  const auto back = decoded(readWav(edited));
  EXPECT_EQ(back.channels, 2u);
  EXPECT_EQ(back.frames(), 10u);
  EXPECT_EQ(back.interleaved, decoded(readWav(file)).interleaved);
}

TEST(WavFile, RefusesMalformedFilesWithAReason) {
  const auto good = writeWav(sine(1, 100), WavFormat::Pcm16);
  struct Case {
    const char* name;
    std::vector<std::byte> bytes;
    const char* mentions;
  };
  auto withByte = [&](std::size_t at, int value) {
    auto copy = good;
    copy[at] = static_cast<std::byte>(value);
    return copy;
  };
  const std::vector<Case> cases{
      {"empty", {}, "shorter"},
      {"not RIFF", withByte(0, 'X'), "RIFF"},
      {"fmt chunk claims 2 GB", withByte(19, 0x7f), "fmt"},
      {"unknown format code", withByte(20, 2), "format code"},
      {"zero channels", withByte(22, 0), "channel"},
      {"12-bit samples", withByte(34, 12), "bits"},
      {"sample rate 7", [&] { auto c = withByte(24, 7); c[25] = c[26] = c[27] = std::byte{0}; return c; }(), "sample rate"},
      {"no data chunk", std::vector<std::byte>(good.begin(), good.begin() + 36), "data"},
      {"block align lies", withByte(32, 7), "block align"},
  };
  for (const auto& c : cases) {
    const auto result = readWav(c.bytes);
    ASSERT_TRUE(std::holds_alternative<WavError>(result)) << c.name;
    EXPECT_NE(std::get<WavError>(result).message.find(c.mentions), std::string::npos)
        << c.name << ": " << std::get<WavError>(result).message;
  }
  // The file offsets above are those of a plain 16-bit file (fmt at 12, data at 36).
  // A data chunk that claims more than is there (a recording cut short) keeps the whole frames.
  auto truncated = std::vector<std::byte>(good.begin(), good.end() - 11);
  EXPECT_EQ(decoded(readWav(truncated)).frames(), 94u);
  // A frame bound refuses a file that would allocate too much.
  EXPECT_TRUE(std::holds_alternative<WavError>(readWav(good, 10)));
}

}  // namespace
}  // namespace amplitude::io
