// aubio_tempo over a whole signal; the median-interval tempo mirrors aubio's command-line tool.
#include "audio/aubio_tracker.h"

#include <aubio/aubio.h>

#include <algorithm>

#include "motion/error.h"

namespace e2m::audio {

AubioBeats aubio_track_beats(const std::vector<float>& mono, int rate) {
  constexpr uint_t kWin = 1024, kHop = 512;
  aubio_tempo_t* tempo = new_aubio_tempo("default", kWin, kHop, uint_t(rate));
  fvec_t* in = new_fvec(kHop);
  fvec_t* out = new_fvec(1);
  if (!tempo || !in || !out) {
    if (tempo) del_aubio_tempo(tempo);
    if (in) del_fvec(in);
    if (out) del_fvec(out);
    throw Error("aubio: cannot create its tempo tracker");
  }
  AubioBeats res;
  for (size_t pos = 0; pos + kHop <= mono.size(); pos += kHop) {
    std::copy(mono.begin() + long(pos), mono.begin() + long(pos + kHop), in->data);
    aubio_tempo_do(tempo, in, out);
    if (out->data[0] != 0) res.beats_s.push_back(double(aubio_tempo_get_last_s(tempo)));
  }
  del_aubio_tempo(tempo);
  del_fvec(in);
  del_fvec(out);
  std::vector<double> bpms;
  for (size_t i = 1; i < res.beats_s.size(); ++i) {
    const double d = res.beats_s[i] - res.beats_s[i - 1];
    if (d > 0) bpms.push_back(60.0 / d);
  }
  if (!bpms.empty()) {
    std::nth_element(bpms.begin(), bpms.begin() + long(bpms.size() / 2), bpms.end());
    res.bpm = bpms[bpms.size() / 2];
  }
  return res;
}

}  // namespace e2m::audio
