// amplitude-render: renders offline, natively, at any host block size, and prints a hash of the
// output (and optionally writes it as raw float or WAV). Two inputs:
//   --project song.json --assets DIR   a project document, its audio files found in DIR by
//                                      sha256, id or name (what the server stores)
//   --dawproject song.dawproject       a DAWproject, imported (io/dawproject) and rendered as
//                                      a project; its audio is extracted to --assets DIR if
//                                      given, else to a temporary directory removed afterwards
//   --commands session.bin             timed engine commands (below)
//
// The command file is what the UI would have sent: a sequence of 40-byte entries, each a
// little-endian u64 absolute frame followed by one 32-byte command record (protocol schema).
// It is how the same session is rendered natively and in WebAssembly to prove both builds give
// the same bits (web/src/audio/determinism.test.ts), and the seed of server-side render.
#include <amplitude/Engine.h>
#include <amplitude/host/BlockHost.h>
#include <amplitude/io/WavFile.h>
#include <amplitude/io/dawproject/DawProject.h>
#include <amplitude/render/ProjectLoader.h>

#include <CLI/CLI.hpp>

#include <chrono>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

namespace {

using amplitude::host::TimedCommand;
namespace protocol = amplitude::protocol;

constexpr std::size_t kEntryBytes = 8 + protocol::kCommandRecordSize;

std::vector<TimedCommand> readCommands(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot open command file " + path);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() % kEntryBytes != 0) {
    throw std::runtime_error(path + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                             std::to_string(kEntryBytes) + "-byte entries");
  }
  std::vector<TimedCommand> commands;
  for (std::size_t at = 0; at < bytes.size(); at += kEntryBytes) {
    TimedCommand entry;
    std::uint64_t frame = 0;
    for (int byte = 7; byte >= 0; --byte) frame = (frame << 8) | static_cast<unsigned char>(bytes[at + byte]);
    entry.frame = frame;
    protocol::CommandRecord record;
    std::memcpy(record.bytes, bytes.data() + at + 8, protocol::kCommandRecordSize);
    const auto error = protocol::decodeCommand(record, entry.command);
    const std::size_t index = at / kEntryBytes;
    if (error != protocol::ErrorCode::None) {
      throw std::runtime_error("entry " + std::to_string(index) + ": " + std::string(protocol::errorMessage(error)));
    }
    if (!commands.empty() && frame < commands.back().frame) {
      throw std::runtime_error("entry " + std::to_string(index) + ": frames must not decrease");
    }
    commands.push_back(entry);
  }
  return commands;
}

std::uint64_t fnv1a64(const void* data, std::size_t size) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
  return hash;
}

std::optional<amplitude::io::AudioData> readAsset(const std::filesystem::path& directory, const amplitude::project::Asset& asset) {
  for (const std::string& name : {asset.sha256 + ".wav", asset.sha256, asset.id + ".wav", asset.name}) {
    const auto path = directory / name;
    std::error_code error;
    if (name.empty() || !std::filesystem::is_regular_file(path, error)) continue;
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto result = amplitude::io::readWav(std::as_bytes(std::span(bytes.data(), bytes.size())));
    if (auto* audio = std::get_if<amplitude::io::AudioData>(&result)) return std::move(*audio);
    std::cerr << "amplitude-render: " << path.string() << ": " << std::get<amplitude::io::WavError>(result).message << "\n";
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Render engine commands offline and hash the output"};
  std::string commandsPath;
  std::uint64_t frames = 48000;
  std::uint32_t block = 128;
  double sampleRate = 48000.0;
  std::string rawPath;
  std::string wavPath;
  std::string bits = "32f";
  std::string projectPath;
  std::string assetsPath = ".";
  std::string dawprojectPath;
  bool keepGoing = false;
  auto* commandsOption = app.add_option("--commands", commandsPath, "Timed command file (u64 frame + 32-byte record per entry)");
  auto* projectOption = app.add_option("--project", projectPath, "Project document (JSON) to render from its start");
  auto* dawprojectOption = app.add_option("--dawproject", dawprojectPath, "DAWproject file (.dawproject) to import and render from its start");
  commandsOption->excludes(projectOption);
  dawprojectOption->excludes(projectOption)->excludes(commandsOption);
  auto* assetsOption = app.add_option("--assets", assetsPath, "Directory holding the project's audio files (by sha256, id or name)");
  app.add_flag("--keep-going", keepGoing, "Render even when parts of the project could not be loaded");
  auto* framesOption = app.add_option("--frames", frames, "Frames to render (default for projects: to the end plus 2 s)")
                           ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 32));
  app.add_option("--block", block, "Host block size in frames")->check(CLI::Range(1u, 1u << 16));
  app.add_option("--sample-rate", sampleRate, "Sample rate")->check(CLI::Range(8000.0, 384000.0));
  app.add_option("--raw", rawPath, "Write interleaved float32 here");
  app.add_option("--wav", wavPath, "Write a stereo WAV here");
  app.add_option("--bits", bits, "WAV sample format: 16, 24 (TPDF-dithered PCM) or 32f")->check(CLI::IsMember({"16", "24", "32f"}));
  CLI11_PARSE(app, argc, argv);
  if (commandsPath.empty() && projectPath.empty() && dawprojectPath.empty()) {
    std::cerr << "amplitude-render: give --project, --dawproject or --commands (see --help)\n";
    return 2;
  }
  // A DAWproject's audio lands in --assets, or in a temporary directory gone when we return.
  struct TemporaryDirectory {
    std::filesystem::path path;
    ~TemporaryDirectory() {
      std::error_code ignored;
      if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
  } temporaryAssets;

  try {
    auto shared = std::make_unique<amplitude::SharedRegion>();
    auto engine = std::make_unique<amplitude::Engine>(*shared);
    std::vector<TimedCommand> commands;
    std::optional<amplitude::project::ProjectDocument> document;
    if (!dawprojectPath.empty()) {
      if (assetsOption->count() == 0) {
        temporaryAssets.path = std::filesystem::temp_directory_path() /
                               ("amplitude-render-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
        assetsPath = temporaryAssets.path.string();
      }
      amplitude::io::dawproject::ImportOptions options;
      options.assetsDirectory = assetsPath;
      auto imported = amplitude::io::dawproject::importDawProjectFile(dawprojectPath, options);
      for (const auto& warning : imported.warnings) std::cerr << "amplitude-render: warning: " << warning << "\n";
      document = std::move(imported.document);
      projectPath = dawprojectPath;
    } else if (!projectPath.empty()) {
      std::ifstream in(projectPath, std::ios::binary);
      if (!in) throw std::runtime_error("cannot open project " + projectPath);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      auto parsed = amplitude::project::parseProjectText(text);
      if (!parsed.ok()) {
        for (const auto& error : parsed.errors) std::cerr << "amplitude-render: " << projectPath << ": " << error << "\n";
        return 2;
      }
      document = std::move(parsed.document);
    }
    if (document) {
      sampleRate = static_cast<double>(document->project.sampleRate);
      engine->prepare(sampleRate);
      const auto loaded = amplitude::render::loadProject(*engine, *document, [&](const amplitude::project::Asset& asset) {
        return readAsset(assetsPath, asset);
      });
      for (const auto& warning : loaded.warnings) std::cerr << "amplitude-render: warning: " << warning << "\n";
      for (const auto& error : loaded.errors) std::cerr << "amplitude-render: " << error << "\n";
      if (!loaded.errors.empty() && !keepGoing) return 3;
      if (framesOption->count() == 0) frames = loaded.endFrame + static_cast<std::uint64_t>(2 * sampleRate);
      protocol::Command seek{0, 0, protocol::Seek{0}};
      protocol::Command play{0, 0, protocol::Play{}};
      commands = {TimedCommand{0, seek}, TimedCommand{0, play}};
    } else {
      commands = readCommands(commandsPath);
      engine->prepare(sampleRate);
    }
    amplitude::host::BlockHost host(*engine);
    for (const auto& command : commands) host.schedule(command);

    std::vector<float> interleaved(frames * 2);
    std::vector<float> left(block);
    std::vector<float> right(block);
    const auto started = std::chrono::steady_clock::now();
    for (std::uint64_t done = 0; done < frames;) {
      const auto take = static_cast<std::uint32_t>(std::min<std::uint64_t>(block, frames - done));
      host.process(left.data(), right.data(), take);
      for (std::uint32_t i = 0; i < take; ++i) {
        interleaved[2 * (done + i)] = left[i];
        interleaved[2 * (done + i) + 1] = right[i];
      }
      done += take;
    }
    const auto renderMicroseconds =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - started).count();
    if (!rawPath.empty()) {
      std::ofstream(rawPath, std::ios::binary)
          .write(reinterpret_cast<const char*>(interleaved.data()), static_cast<std::streamsize>(interleaved.size() * 4));
    }
    if (!wavPath.empty()) {
      amplitude::io::AudioData audio{static_cast<std::uint32_t>(sampleRate), 2, interleaved};
      const auto format = bits == "16" ? amplitude::io::WavFormat::Pcm16
                                       : (bits == "24" ? amplitude::io::WavFormat::Pcm24 : amplitude::io::WavFormat::Float32);
      const auto file = amplitude::io::writeWav(audio, format);
      std::ofstream(wavPath, std::ios::binary)
          .write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
    }
    const auto state = amplitude::rt::StatePublisher::read(shared->stateView);
    if (!projectPath.empty() && state.commandsRejected > 0 && !keepGoing) {
      std::cerr << "amplitude-render: the engine refused " << state.commandsRejected << " of the project's commands, the last: "
                << protocol::errorMessage(state.lastErrorCode) << "\n";
      return 3;
    }
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx",
                  static_cast<unsigned long long>(fnv1a64(interleaved.data(), interleaved.size() * sizeof(float))));
    std::cout << "{\"frames\":" << frames << ",\"block\":" << block << ",\"hash\":\"" << hash
              << "\",\"commandsApplied\":" << state.commandsApplied << ",\"commandsRejected\":" << state.commandsRejected
              << ",\"lastError\":\"" << protocol::errorMessage(state.lastErrorCode)
              << "\",\"renderMicroseconds\":" << renderMicroseconds << "}" << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "amplitude-render: " << e.what() << std::endl;
    return 2;
  }
}
