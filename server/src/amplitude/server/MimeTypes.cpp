#include "amplitude/server/MimeTypes.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace amplitude::server {

std::string_view mimeTypeFor(std::string_view fileName) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 28> types{{
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"wasm", "application/wasm"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"wav", "audio/wav"},
      {"mp3", "audio/mpeg"},
      {"flac", "audio/flac"},
      {"ogg", "audio/ogg"},
      {"opus", "audio/ogg"},
      {"mid", "audio/midi"},
      {"midi", "audio/midi"},
      {"xml", "application/xml"},
  }};
  const auto slash = fileName.find_last_of('/');
  const auto base = slash == std::string_view::npos ? fileName : fileName.substr(slash + 1);
  const auto dot = base.find_last_of('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string extension{base.substr(dot + 1)};
  std::ranges::transform(extension, extension.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [known, type] : types)
    if (known == extension) return type;
  return "application/octet-stream";
}

}  // namespace amplitude::server
