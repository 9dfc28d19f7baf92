// DeviceReader: one DAWproject device element (plug-in, built-in EQ/compressor/limiter, another
// DAW's device, or one this converter exported) as an Amplitude insert or instrument, with the
// XML parameters automation may target. Amplitude's own devices come back exactly from their
// <Parameters>; the standard EQ/compressor/limiter map onto ours in our units; everything else is
// kept opaquely (format, vendor, id, state, parameter values) so an export gives it back.
#pragma once

#include <amplitude/io/dawproject/ImportModel.h>
#include <amplitude/io/dawproject/XmlContext.h>
#include <amplitude/io/dawproject/ZipArchive.h>

#include <functional>

namespace amplitude::io::dawproject::import_detail {

class DeviceReader {
 public:
  DeviceReader(const XmlContext& xml, ZipReader& zip, IdMaker& ids, std::function<void(std::string)> warn, std::uint64_t maxEntryBytes)
      : xml_(xml), zip_(zip), ids_(ids), warn_(std::move(warn)), maxEntryBytes_(maxEntryBytes) {}

  /// nullopt (with a warning) for what is not imported: note effects, unknown elements.
  std::optional<ImportedDevice> read(pugi::xml_node node, const std::string& trackWhere);

 private:
  struct XmlParameter {
    pugi::xml_node node;
    std::string name;
    std::optional<std::int64_t> parameterId;
    std::optional<double> value;
    bool isBool = false;
  };

  const XmlContext& xml() const { return xml_; }
  void warn(std::string message) { warn_(std::move(message)); }
  std::vector<XmlParameter> readParameters(pugi::xml_node device);
  double fitParam(const std::string& device, const std::string& param, double value, const std::string& where);
  void readAmplitudeDevice(pugi::xml_node node, const std::string& name, ImportedDevice& device, const std::string& where);
  void setStandard(ImportedDevice& device, pugi::xml_node parameter, const std::string& param, double value, ValueKind kind, const std::string& where);
  void warnIfGain(pugi::xml_node parameter, const std::string& what);
  double milliseconds(pugi::xml_node parameter, double fallback);
  void readEqualizer(pugi::xml_node node, ImportedDevice& device, const std::string& where);
  void readCompressor(pugi::xml_node node, ImportedDevice& device, const std::string& where);
  void readLimiter(pugi::xml_node node, ImportedDevice& device, const std::string& where);
  void readUnknownDevice(pugi::xml_node node, const std::string& element, ImportedDevice& device, const std::string& where);
  std::string readState(pugi::xml_node state, const std::string& where);
  std::string capturedXml(pugi::xml_node node, const std::string& where);

  const XmlContext& xml_;
  ZipReader& zip_;
  IdMaker& ids_;
  std::function<void(std::string)> warn_;
  std::uint64_t maxEntryBytes_;
};

}  // namespace amplitude::io::dawproject::import_detail
