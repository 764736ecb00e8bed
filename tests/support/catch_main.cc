// Catch2's main, compiled here rather than taken from Debian's prebuilt
// Catch2WithMain: that archive is not built with the sanitizers, and its
// copies of inline library functions (shared_ptr's release among them) would
// otherwise replace the instrumented ones at link time, so ThreadSanitizer
// would miss the synchronisation they do.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
