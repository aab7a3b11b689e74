# trunkline_add_plugin: builds a provider plugin as a loadable module. Part of the plugin SDK's
# CMake package (trunkline-plugin-sdk); trunkline's own tree includes it too.
#
#   trunkline_add_plugin(NAME <provider> SOURCES <file>...
#                        [TARGET <target>] [OUTPUT_DIR <dir>] [LIBS <library>...])
#
# Makes the MODULE library <target> (default trunkline_<provider>) whose file is
# trunkline_<provider>.so, in OUTPUT_DIR (default: TRUNKLINE_PLUGIN_OUTPUT_DIR, which is
# <build>/lib/trunkline/plugins unless set), built as C++20 with hidden visibility (only the
# entry symbol TRUNKLINE_PLUGIN exports is visible) and trunkline's warnings as errors
# (TRUNKLINE_PLUGIN_WARNINGS), linked to trunkline::plugin-sdk and LIBS. <provider> is the
# plugin's provider id: lower case letters, digits and '-'.
#
#   trunkline_add_plugin(<target> SOURCES <file>... [OUTPUT_DIR <dir>] [LIBS <library>...])
#
# The same, for a module whose file is named after the target (<target>.so): trunkline's test
# fixtures.
include_guard(GLOBAL)

# trunkline's warning set (the same as its root CMakeLists.txt); warnings are errors.
set(TRUNKLINE_PLUGIN_WARNINGS
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wimplicit-fallthrough -Wcast-qual -Wformat=2 -Werror
    # GCC 12 reports std::string concatenation as overlapping memcpy (GCC bug 105651).
    -Wno-restrict
    # Designated initializers may leave members to their default member initializers.
    -Wno-missing-field-initializers)

if(NOT DEFINED TRUNKLINE_PLUGIN_OUTPUT_DIR)
  set(TRUNKLINE_PLUGIN_OUTPUT_DIR "${CMAKE_BINARY_DIR}/lib/trunkline/plugins" CACHE PATH
      "Where trunkline_add_plugin puts plugin modules")
endif()

function(trunkline_add_plugin)
  if(ARGV0 STREQUAL "NAME")
    cmake_parse_arguments(PARSE_ARGV 0 P "" "NAME;TARGET;OUTPUT_DIR" "SOURCES;LIBS")
    if(NOT P_NAME MATCHES "^[a-z0-9-]+$")
      message(FATAL_ERROR "trunkline_add_plugin: NAME \"${P_NAME}\" is not a provider id "
                          "(lower case letters, digits and '-')")
    endif()
    set(output_name "trunkline_${P_NAME}")
    if(NOT P_TARGET)
      set(P_TARGET "${output_name}")
    endif()
  else()
    cmake_parse_arguments(PARSE_ARGV 1 P "" "OUTPUT_DIR" "SOURCES;LIBS")
    set(P_TARGET "${ARGV0}")
    set(output_name "${ARGV0}")
  endif()
  if(P_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
            "trunkline_add_plugin(${P_TARGET}): unknown arguments ${P_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT P_SOURCES)
    message(FATAL_ERROR "trunkline_add_plugin(${P_TARGET}): no SOURCES")
  endif()
  if(NOT P_OUTPUT_DIR)
    set(P_OUTPUT_DIR "${TRUNKLINE_PLUGIN_OUTPUT_DIR}")
  endif()
  add_library(${P_TARGET} MODULE ${P_SOURCES})
  target_link_libraries(${P_TARGET} PRIVATE trunkline::plugin-sdk ${P_LIBS})
  target_compile_features(${P_TARGET} PRIVATE cxx_std_20)
  target_compile_options(${P_TARGET} PRIVATE ${TRUNKLINE_PLUGIN_WARNINGS})
  set_target_properties(${P_TARGET} PROPERTIES
    PREFIX "" OUTPUT_NAME "${output_name}" SUFFIX ".so"
    CXX_EXTENSIONS OFF CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIR}")
endfunction()
