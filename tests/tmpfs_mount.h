// A tmpfs mounted for a test's lifetime: a disk that really fills up (ENOSPC).
#pragma once
#include <sys/mount.h>

#include <cerrno>
#include <filesystem>
#include <utility>

// <sys/mount.h> (through linux/fs.h) defines BLOCK_SIZE, a member name of moodycamel's ConcurrentQueue.
#undef BLOCK_SIZE

namespace e2m::test {

// A tmpfs of `size` ("size=64k") mounted on dir for the object's lifetime. Needs CAP_SYS_ADMIN;
// mounted is false (and error says why) without it.
struct TmpfsMount {
  std::filesystem::path dir;
  bool mounted = false;
  int error = 0;
  TmpfsMount(std::filesystem::path d, const char* size) : dir(std::move(d)) {
    std::filesystem::create_directories(dir);
    mounted = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, size) == 0;
    error = mounted ? 0 : errno;
  }
  ~TmpfsMount() {
    if (mounted) ::umount2(dir.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
};

}  // namespace e2m::test
