// libsndfile reading/writing for the file, play and offline feature paths.
#include "audio/audio_file.h"

#include <sndfile.h>

#include <memory>
#include <string>

#include "motion/error.h"

namespace e2m::audio {
namespace {

struct SndCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};
using SndPtr = std::unique_ptr<SNDFILE, SndCloser>;

SndPtr open_read(const std::filesystem::path& path, SF_INFO& info) {
  info = {};
  SndPtr f(sf_open(path.c_str(), SFM_READ, &info));
  if (!f) {
    throw Error(path.string() + ": cannot open as audio (" + sf_strerror(nullptr) +
                "); expected a file libsndfile reads (wav, flac, ogg, mp3)");
  }
  if (info.channels < 1 || info.samplerate < 1) {
    throw Error(path.string() + ": audio header has " + std::to_string(info.channels) + " channels at " +
                std::to_string(info.samplerate) + " Hz; expected at least one channel and a positive rate");
  }
  return f;
}

}  // namespace

MonoAudio read_audio_file(const std::filesystem::path& path, double start_s, double duration_s) {
  SF_INFO info;
  SndPtr f = open_read(path, info);
  MonoAudio out;
  out.sample_rate = info.samplerate;
  if (start_s < 0) throw Error(path.string() + ": start " + std::to_string(start_s) + " s is negative");
  const sf_count_t start = static_cast<sf_count_t>(start_s * info.samplerate + 0.5);
  if (start > 0) {
    if (info.frames > 0 && start >= info.frames) {
      throw Error(path.string() + ": start " + std::to_string(start_s) + " s is past the end (" +
                  std::to_string(double(info.frames) / info.samplerate) + " s)");
    }
    if (sf_seek(f.get(), start, SEEK_SET) < 0) {
      // Some decoders cannot seek: read and drop instead.
      std::vector<float> drop(size_t(4096) * info.channels);
      sf_count_t left = start;
      while (left > 0) {
        sf_count_t got = sf_readf_float(f.get(), drop.data(), std::min<sf_count_t>(left, 4096));
        if (got <= 0) break;
        left -= got;
      }
    }
  }
  const sf_count_t want = duration_s < 0 ? -1 : static_cast<sf_count_t>(duration_s * info.samplerate + 0.5);
  if (info.frames > 0) out.samples.reserve(size_t(want >= 0 ? want : info.frames - start));
  std::vector<float> buf(size_t(4096) * info.channels);
  sf_count_t total = 0;
  while (want < 0 || total < want) {
    sf_count_t n = 4096;
    if (want >= 0) n = std::min<sf_count_t>(n, want - total);
    sf_count_t got = sf_readf_float(f.get(), buf.data(), n);
    if (got <= 0) break;
    for (sf_count_t i = 0; i < got; ++i) {
      float s = 0;
      for (int c = 0; c < info.channels; ++c) s += buf[size_t(i) * info.channels + c];
      out.samples.push_back(s / float(info.channels));
    }
    total += got;
  }
  return out;
}

InterleavedAudio read_audio_file_interleaved(const std::filesystem::path& path) {
  SF_INFO info;
  SndPtr f = open_read(path, info);
  InterleavedAudio out;
  out.sample_rate = info.samplerate;
  out.channels = info.channels;
  std::vector<float> buf(size_t(4096) * info.channels);
  for (;;) {
    sf_count_t got = sf_readf_float(f.get(), buf.data(), 4096);
    if (got <= 0) break;
    out.samples.insert(out.samples.end(), buf.begin(), buf.begin() + got * info.channels);
  }
  return out;
}

void write_wav(const std::filesystem::path& path, const std::vector<float>& mono, int sample_rate) {
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SndPtr f(sf_open(path.c_str(), SFM_WRITE, &info));
  if (!f) throw Error(path.string() + ": cannot create WAV file (" + sf_strerror(nullptr) + ")");
  sf_command(f.get(), SFC_SET_CLIPPING, nullptr, SF_TRUE);
  if (sf_writef_float(f.get(), mono.data(), sf_count_t(mono.size())) != sf_count_t(mono.size())) {
    throw Error(path.string() + ": short write (" + sf_strerror(f.get()) + ")");
  }
}

}  // namespace e2m::audio
