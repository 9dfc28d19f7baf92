#pragma once
#include <string_view>

namespace amplitude::server {

/// The Content-Type for a file name, by extension (case-insensitive). Browsers refuse to compile
/// WebAssembly streaming without application/wasm and refuse module scripts without a JavaScript
/// type, so these are not cosmetic. Unknown extensions are application/octet-stream.
std::string_view mimeTypeFor(std::string_view fileName);

}  // namespace amplitude::server
