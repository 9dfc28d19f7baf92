// The small conversions DAWproject import and export share: numbers as XML text (shortest text
// that reads back to the same double), gains, EQ band types, ids, hashes and base64.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace amplitude::io::dawproject {

/// A finite number in XML Schema double syntax (no INF/NaN); nullopt for anything else.
std::optional<double> parseNumber(std::string_view text);
/// The shortest text that parses back to exactly `value`.
std::string numberText(double value);

/// Gain factor to dB; 0 (and below) is -96 dB, Amplitude's silence.
double decibelsFromGain(double gain);

/// DAWproject eqBandType <-> the engine's ParametricEq band type (0 Peaking, 1 LowShelf,
/// 2 HighShelf, 3 LowPass, 4 HighPass, 5 BandPass, 6 Notch).
std::optional<int> eqBandTypeFromDawProject(std::string_view type);
std::string_view eqBandTypeToDawProject(int type);

/// What an xs:ID may be (an NCName, ASCII subset): a document id is reused as the XML id if it is one.
bool isXmlId(std::string_view text);
/// What the project schema's Id pattern allows: ^[A-Za-z0-9_.:-]{1,64}$.
bool isDocumentId(std::string_view text);
/// #rrggbb.
bool isColour(std::string_view text);

std::string sha256Hex(std::span<const std::byte> bytes);
std::string base64Encode(std::span<const std::byte> bytes);
std::optional<std::vector<std::byte>> base64Decode(std::string_view text);

}  // namespace amplitude::io::dawproject
