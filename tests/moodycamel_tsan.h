// Forced into every file of the ThreadSanitizer build (E2M_SANITIZE=thread in CMakeLists.txt).
// moodycamel's ReaderWriterQueue hands its elements over with std::atomic_thread_fence, which GCC 12's
// TSan does not model, so every hand-over through one would be reported as a race. The queue's header
// annotates its fences for TSan when __has_feature(thread_sanitizer) says so, which only clang does;
// this turns the same annotations on for GCC (libtsan provides AnnotateHappensBefore/After). Like
// upstream's, they order every queue's fences through one address: this may hide a race, never add one.
#pragma once
#if defined(__SANITIZE_THREAD__) && defined(__cplusplus)
extern "C" void AnnotateHappensBefore(const char* file, int line, void* address);
extern "C" void AnnotateHappensAfter(const char* file, int line, void* address);
namespace moodycamel {
inline int ae_tsan_global;
}  // namespace moodycamel
#define AE_TSAN_ANNOTATE_RELEASE() AnnotateHappensBefore(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#define AE_TSAN_ANNOTATE_ACQUIRE() AnnotateHappensAfter(__FILE__, __LINE__, &::moodycamel::ae_tsan_global)
#endif
