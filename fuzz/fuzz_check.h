// fuzz/fuzz_check: FUZZ_CHECK(condition), the property assertion of the fuzz targets.
//
// Beyond "no crash and no undefined behaviour", each target states what must hold for every input
// (a round trip, a redirect URI that cannot escape the registered ones, ...). A violated property
// aborts with the condition and line, and libFuzzer saves the input as a reproducer.
#pragma once
#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                           \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)
