#include <amplitude/io/dawproject/Conversions.h>

#include <sodium.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace amplitude::io::dawproject {

std::optional<double> parseNumber(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::general);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string numberText(double value) {
  if (value == 0) return "0";  // never "-0"
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc() ? std::string(buffer, end) : std::string("0");
}

double decibelsFromGain(double gain) { return gain <= 0 ? -96.0 : std::max(-96.0, 20.0 * std::log10(gain)); }

namespace {
constexpr std::string_view kBandTypes[] = {"bell", "lowShelf", "highShelf", "lowPass", "highPass", "bandPass", "notch"};
}

std::optional<int> eqBandTypeFromDawProject(std::string_view type) {
  for (int i = 0; i < 7; ++i) {
    if (kBandTypes[i] == type) return i;
  }
  return std::nullopt;
}

std::string_view eqBandTypeToDawProject(int type) { return type >= 0 && type < 7 ? kBandTypes[type] : "bell"; }

bool isXmlId(std::string_view text) {
  if (text.empty() || !(std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

bool isDocumentId(std::string_view text) {
  if (text.empty() || text.size() > 64) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '-';
  });
}

bool isColour(std::string_view text) {
  return text.size() == 7 && text[0] == '#' &&
         std::all_of(text.begin() + 1, text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

namespace {
void initialiseSodium() {
  static const int ready = sodium_init();  // thread-safe, idempotent
  if (ready < 0) throw std::runtime_error("libsodium could not be initialised");
}
}  // namespace

std::string sha256Hex(std::span<const std::byte> bytes) {
  initialiseSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string base64Encode(std::span<const std::byte> bytes) {
  initialiseSodium();
  std::string text(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

std::optional<std::vector<std::byte>> base64Decode(std::string_view text) {
  initialiseSodium();
  std::vector<std::byte> bytes(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(), text.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

}  // namespace amplitude::io::dawproject
