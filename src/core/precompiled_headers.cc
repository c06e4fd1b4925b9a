// core/precompiled_headers: the translation unit that builds the libraries' precompiled headers
// (CMakeLists.txt, AUTHGENT_PRECOMPILED_HEADERS). It has no code: its target exists so that the
// headers are compiled with the project's flags and no library's own definitions, which a target
// reusing them must match (spdlog's, for one, are authgent_core's alone).
