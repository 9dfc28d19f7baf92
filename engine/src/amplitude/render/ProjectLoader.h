// ProjectLoader: builds a project document into a prepared native engine, for offline renders
// (amplitude-render --project, and later the server's render service).
//
// It does what the browser's reconciler does on a first load, through the same commands and
// shared tables the UI uses: one node chain per track (source -> inserts -> channel strip ->
// its bus or the master), sends, strip and device parameters, tempo map, automation, MIDI notes
// as scheduled notes and audio clips from their assets in the sample heap. Commands go through
// the real ring in batches, the engine rendering stopped quanta between them, so table entries
// (64 clip slots) can be reused. Everything the engine refuses is reported, never ignored.
// Not real-time: it allocates, reads files and may take a while; call it before rendering.
#pragma once

#include <amplitude/Engine.h>
#include <amplitude/io/WavFile.h>
#include <amplitude/project/ProjectDocument.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace amplitude::render {

/// Finds an asset's audio (by its id, sha256 or name): nullopt when it is not there.
using AssetSource = std::function<std::optional<io::AudioData>(const project::Asset&)>;

struct LoadResult {
  std::vector<std::string> errors;    ///< what could not be loaded; empty when everything was
  /// What is kept in the document but not played (a foreign plug-in, bypassed; automation of it),
  /// as a DAW renders a project with a missing plug-in: the render goes on.
  std::vector<std::string> warnings;
  std::uint64_t endFrame = 0;       ///< last frame any clip or note reaches
};

/// Stopped time after loading, for every parameter to reach its value before Play.
inline constexpr double kSettleSeconds = 0.25;

/// The engine must be prepared at the project's sample rate and freshly reset. Every command is
/// applied (refusals are in `errors`) and the engine has rendered kSettleSeconds of stopped
/// quanta, so the caller's Seek and Play start a song at its mixer's levels from the first sample.
LoadResult loadProject(Engine& engine, const project::ProjectDocument& document, const AssetSource& assets);

}  // namespace amplitude::render
