// Included first in every ThreadSanitizer build (cmake/Sanitizers.cmake).
//
// libstdc++ frees a shared_ptr's object after an atomic decrement and an
// acquire fence, which ThreadSanitizer does not model: when the last
// reference is dropped on another thread than an earlier one, it reports a
// race between the earlier thread's use and the free. libstdc++ marks those
// points with these two macros (empty by default); defined as ThreadSanitizer's
// dynamic annotations they give it the happens-before edge.
#ifndef EVMATCH_CMAKE_TSAN_ANNOTATIONS_H_
#define EVMATCH_CMAKE_TSAN_ANNOTATIONS_H_

#ifdef __cplusplus
extern "C" {
#endif
void AnnotateHappensBefore(const char* file, int line, const volatile void* address);
void AnnotateHappensAfter(const char* file, int line, const volatile void* address);
#ifdef __cplusplus
}
#endif

#define _GLIBCXX_SYNCHRONIZATION_HAPPENS_BEFORE(A) AnnotateHappensBefore(__FILE__, __LINE__, (A))
#define _GLIBCXX_SYNCHRONIZATION_HAPPENS_AFTER(A) AnnotateHappensAfter(__FILE__, __LINE__, (A))

#endif  // EVMATCH_CMAKE_TSAN_ANNOTATIONS_H_
