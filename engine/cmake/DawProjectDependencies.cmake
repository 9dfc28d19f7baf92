# What the DAWproject converter (engine/src/amplitude/io/dawproject/) is built from: its sources
# and Debian's pugixml (XML), libzip (ZIP) and libsodium (SHA-256, base64), found with pkg-config.
# Native builds only; scripts/ensure-deps.sh installs the -dev packages.
find_package(PkgConfig REQUIRED)
pkg_check_modules(AMPLITUDE_PUGIXML REQUIRED IMPORTED_TARGET pugixml)
pkg_check_modules(AMPLITUDE_LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(AMPLITUDE_SODIUM REQUIRED IMPORTED_TARGET libsodium)
set(dawproject_dependencies PkgConfig::AMPLITUDE_PUGIXML PkgConfig::AMPLITUDE_LIBZIP PkgConfig::AMPLITUDE_SODIUM)
set(dawproject_dir ${CMAKE_CURRENT_LIST_DIR}/../src/amplitude/io/dawproject)
set(dawproject_sources
  ${dawproject_dir}/Conversions.cpp
  ${dawproject_dir}/DawProjectExport.cpp
  ${dawproject_dir}/DawProjectImport.cpp
  ${dawproject_dir}/DeviceImport.cpp
  ${dawproject_dir}/XmlContext.cpp
  ${dawproject_dir}/ZipArchive.cpp)
