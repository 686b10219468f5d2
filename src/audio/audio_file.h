// Reading audio files (libsndfile: wav/flac/ogg/mp3) as mono float and writing WAV files.
#pragma once
#include <filesystem>
#include <vector>

namespace e2m::audio {

struct MonoAudio {
  int sample_rate = 0;
  std::vector<float> samples;  // channels averaged to mono
};

// Reads [start_s, start_s + duration_s) of the file; duration_s < 0 reads to the end.
// Throws e2m::Error naming the file when it cannot be opened or the range is outside it.
MonoAudio read_audio_file(const std::filesystem::path& path, double start_s = 0, double duration_s = -1);

// Reads the whole file keeping its channels interleaved (for playback).
struct InterleavedAudio {
  int sample_rate = 0;
  int channels = 0;
  std::vector<float> samples;  // frames x channels
};
InterleavedAudio read_audio_file_interleaved(const std::filesystem::path& path);

// Writes 16-bit PCM WAV (mono).
void write_wav(const std::filesystem::path& path, const std::vector<float>& mono, int sample_rate);

}  // namespace e2m::audio
