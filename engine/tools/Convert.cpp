// amplitude-convert: between DAWproject and the Amplitude project document.
//   amplitude-convert in.dawproject out-dir/            writes out-dir/song.json and out-dir/assets/
//   amplitude-convert song.json --assets DIR out.dawproject
// Warnings (what was converted approximately or left out) go to stderr; errors too, with exit 2.
#include <amplitude/io/dawproject/DawProject.h>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

namespace dawproject = amplitude::io::dawproject;

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int importToDirectory(const std::filesystem::path& input, const std::filesystem::path& output) {
  std::filesystem::create_directories(output);
  dawproject::ImportOptions options;
  options.assetsDirectory = output / "assets";
  options.fallbackName = input.stem().string();
  const auto result = dawproject::importDawProjectFile(input, options);
  for (const auto& warning : result.warnings) std::cerr << "amplitude-convert: warning: " << warning << "\n";
  const auto songPath = output / "song.json";
  std::ofstream out(songPath, std::ios::binary | std::ios::trunc);
  out << nlohmann::json(result.document).dump(2) << "\n";
  if (!out) throw dawproject::DawProjectError("cannot write " + songPath.string());
  std::cout << songPath.string() << ": " << result.document.tracks.size() << " tracks, " << result.document.assets.size() << " assets, "
            << result.warnings.size() << " warnings\n";
  return 0;
}

int exportToDawProject(const std::filesystem::path& input, const std::filesystem::path& assets, const std::filesystem::path& output) {
  std::ifstream in(input, std::ios::binary);
  if (!in) throw dawproject::DawProjectError("cannot open " + input.string());
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto parsed = amplitude::project::parseProjectText(text);
  if (!parsed.ok()) {
    for (const auto& error : parsed.errors) std::cerr << "amplitude-convert: " << input.string() << ": " << error << "\n";
    return 2;
  }
  dawproject::ExportOptions options;
  options.assetsDirectory = assets;
  const auto result = dawproject::exportDawProjectFile(*parsed.document, output, options);
  for (const auto& warning : result.warnings) std::cerr << "amplitude-convert: warning: " << warning << "\n";
  std::cout << output.string() << ": " << result.archive.size() << " bytes, " << result.warnings.size() << " warnings\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Convert between DAWproject (.dawproject) and Amplitude projects (song.json + assets/)"};
  std::string input;
  std::string output;
  std::string assets;
  app.add_option("input", input, "A .dawproject to import, or an Amplitude song.json to export")->required();
  app.add_option("output", output, "Directory for song.json + assets/ (import), or the .dawproject to write (export)")->required();
  app.add_option("--assets", assets, "Export: the directory holding the document's audio files (default: assets/ beside it)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (endsWith(input, ".json")) {
      const std::filesystem::path assetsDirectory = assets.empty() ? std::filesystem::path(input).parent_path() / "assets" : std::filesystem::path(assets);
      return exportToDawProject(input, assetsDirectory, output);
    }
    return importToDirectory(input, output);
  } catch (const std::exception& error) {
    std::cerr << "amplitude-convert: " << error.what() << "\n";
    return 2;
  }
}
