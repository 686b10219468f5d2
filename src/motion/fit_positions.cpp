// Positions-to-rotations solver: per frame, each joint's world rotation aligns its canonical rest
// bone direction(s) with the observed ones, from the root outward; twist comes from a second
// reference (multi-child frames, limb bend planes) smoothed over time.
#include "motion/fit_positions.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <string>
#include <utility>

#include "motion/error.h"
#include "motion/fk.h"
#include "motion/rotation.h"

namespace e2m::motion {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Largest-eigenvalue eigenvector of a symmetric 4x4 matrix (cyclic Jacobi; converges in a handful
// of sweeps at this size).
std::array<double, 4> max_eigenvector(double a[4][4]) {
  double v[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = 0;
    for (int p = 0; p < 4; ++p)
      for (int q = p + 1; q < 4; ++q) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (int p = 0; p < 4; ++p) {
      for (int q = p + 1; q < 4; ++q) {
        if (std::abs(a[p][q]) < 1e-300) continue;
        double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < 4; ++k) {  // columns p, q
          double akp = a[k][p], akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (int k = 0; k < 4; ++k) {  // rows p, q
          double apk = a[p][k], aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
        for (int k = 0; k < 4; ++k) {
          double vkp = v[k][p], vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  int best = 0;
  for (int i = 1; i < 4; ++i)
    if (a[i][i] > a[best][best]) best = i;
  return {v[0][best], v[1][best], v[2][best], v[3][best]};
}

// Gaussian smoothing over time of `n` parallel sequences of `frames` values, edges renormalised.
void smooth_sequences(std::vector<Vec3>& data, int frames, int n, double sigma_frames) {
  if (sigma_frames <= 0 || frames < 2) return;
  int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma_frames)));
  std::vector<double> kernel(2 * radius + 1);
  for (int k = -radius; k <= radius; ++k) kernel[k + radius] = std::exp(-0.5 * k * k / (sigma_frames * sigma_frames));
  std::vector<Vec3> out(data.size());
  for (int f = 0; f < frames; ++f) {
    for (int i = 0; i < n; ++i) {
      Vec3 acc;
      double wsum = 0;
      for (int k = -radius; k <= radius; ++k) {
        int g = f + k;
        if (g < 0 || g >= frames) continue;
        acc += data[static_cast<size_t>(g) * n + i] * kernel[k + radius];
        wsum += kernel[k + radius];
      }
      out[static_cast<size_t>(f) * n + i] = acc / wsum;
    }
  }
  data.swap(out);
}

std::vector<int> children_of(int j) {
  std::vector<int> c;
  for (int k = 0; k < kNumJoints; ++k)
    if (parent(k) == j) c.push_back(k);
  return c;
}

// The child that continues a chain through j (spine through the pelvis and spine3), or the only one.
int main_child(int j) {
  if (j == kPelvis) return kSpine1;
  if (j == kSpine3) return kNeck;
  auto c = children_of(j);
  return c.size() == 1 ? c[0] : -1;
}

Vec3 marker_mean(const std::vector<Vec3>& pos, size_t base, const std::vector<int>& idx) {
  Vec3 s;
  for (int i : idx) s += pos[base + i];
  return s / static_cast<double>(idx.size());
}

// Signed angle from a to b around unit axis n (a, b need not be perpendicular to n).
double angle_around(const Vec3& a, const Vec3& b, const Vec3& n) {
  Vec3 pa = a - n * dot(a, n), pb = b - n * dot(b, n);
  return std::atan2(dot(cross(pa, pb), n), dot(pa, pb));
}

double angle_deg(const Vec3& a, const Vec3& b) {
  double c = dot(normalized(a), normalized(b));
  return std::acos(std::clamp(c, -1.0, 1.0)) * 180 / kPi;
}

// Marker noise per axis from bone-length jitter: the distance between the markers of a joint and
// of its child is constant on a rigid skeleton, and noise of sigma per axis on both ends makes it
// waver by sigma * sqrt(2). Frame-to-frame differences keep slow changes (skin sliding, a
// stretching rig) out of the estimate. Median over bones.
double estimate_noise(const std::vector<Vec3>& markers, int frames, const MarkerLayout& layout) {
  if (frames < 3) return 0;
  const int nm = layout.num_markers;
  std::vector<double> per_bone;
  for (int j = 1; j < kNumJoints; ++j) {
    int p = parent(j);
    const auto &a = layout.joint_markers[p], &b = layout.joint_markers[j];
    if (a.size() != 1 || b.size() != 1) continue;
    std::vector<double> diffs;
    double prev = 0;
    for (int f = 0; f < frames; ++f) {
      size_t base = static_cast<size_t>(f) * nm;
      double len = norm(markers[base + b[0]] - markers[base + a[0]]);
      if (f > 0) diffs.push_back(std::abs(len - prev));
      prev = len;
    }
    std::nth_element(diffs.begin(), diffs.begin() + diffs.size() / 2, diffs.end());
    // For Gaussian noise a length wavers by sigma * sqrt(2), the difference of two lengths by
    // 2 sigma, and its absolute value has median 0.6745 * 2 sigma.
    per_bone.push_back(diffs[diffs.size() / 2] / (0.6745 * 2));
  }
  if (per_bone.empty()) return 0;
  std::nth_element(per_bone.begin(), per_bone.begin() + per_bone.size() / 2, per_bone.end());
  return per_bone[per_bone.size() / 2];
}

// A layout that gives each listed joint its markers; joints left out have none of their own.
MarkerLayout make_layout(std::string name, int num_markers,
                         std::initializer_list<std::pair<int, std::vector<int>>> joints) {
  MarkerLayout l;
  l.name = std::move(name);
  l.num_markers = num_markers;
  for (const auto& [j, markers] : joints) l.joint_markers[j] = markers;
  return l;
}

}  // namespace

bool is_hinge_root(int j) {
  return j == kLeftHip || j == kRightHip || j == kLeftShoulder || j == kRightShoulder;
}

Vec3 bend_direction(int j) {
  // Knees send the shin backwards; elbows, in a palms-down T-pose, send the forearm forwards.
  return (j == kLeftHip || j == kRightHip) ? Vec3{0, 0, -1} : Vec3{0, 0, 1};
}

Vec3 hinge_normal(int j) {
  int child = main_child(j);
  return child < 0 ? Vec3{} : normalized(cross(normalized(rest_offset(child)), bend_direction(j)));
}

Quat best_rotation(const std::vector<Vec3>& a, const std::vector<Vec3>& b, const std::vector<double>& w) {
  // Horn (1987): q maximises sum w b.(q a q*) = q^T N q; q is N's top eigenvector.
  double s[3][3] = {};
  for (size_t i = 0; i < a.size(); ++i)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 3; ++c) s[r][c] += w[i] * a[i][r] * b[i][c];
  double n[4][4] = {
      {s[0][0] + s[1][1] + s[2][2], s[1][2] - s[2][1], s[2][0] - s[0][2], s[0][1] - s[1][0]},
      {s[1][2] - s[2][1], s[0][0] - s[1][1] - s[2][2], s[0][1] + s[1][0], s[2][0] + s[0][2]},
      {s[2][0] - s[0][2], s[0][1] + s[1][0], -s[0][0] + s[1][1] - s[2][2], s[1][2] + s[2][1]},
      {s[0][1] - s[1][0], s[2][0] + s[0][2], s[1][2] + s[2][1], -s[0][0] - s[1][1] + s[2][2]}};
  auto e = max_eigenvector(n);
  Quat q{e[0], e[1], e[2], e[3]};
  if (q.w < 0) q = {-q.w, -q.x, -q.y, -q.z};
  return normalized(q);
}

MarkerLayout humanml3d_layout() {
  MarkerLayout l = make_layout("humanml3d", kNumJoints, {});
  for (int j = 0; j < kNumJoints; ++j) l.joint_markers[j] = {j};
  return l;
}

MarkerLayout kit_layout() {
  return make_layout("kit", 21,
                     {{kPelvis, {0}},
                      {kSpine1, {1}},
                      {kSpine2, {2}},
                      {kSpine3, {3}},  // lower neck: the arms hang from it, as they hang from spine3 here
                      {kHead, {4}},
                      {kRightShoulder, {5}},
                      {kRightElbow, {6}},
                      {kRightWrist, {7}},
                      {kLeftShoulder, {8}},
                      {kLeftElbow, {9}},
                      {kLeftWrist, {10}},
                      {kRightHip, {11}},
                      {kRightKnee, {12}},
                      {kRightAnkle, {13}},
                      {kRightFoot, {14}},
                      {kLeftHip, {16}},
                      {kLeftKnee, {17}},
                      {kLeftAnkle, {18}},
                      {kLeftFoot, {19}}});
}

MarkerLayout tang_layout() {
  MarkerLayout l =
      make_layout("tang", 23,
                  {{kPelvis, {7, 16}},  // between the hips; marker 2 sits ~17 cm higher, on the lower spine
                   {kSpine1, {2}},
                   {kSpine3, {3, 12}},  // the shoulder line, which is where our spine3 is at rest
                   {kHead, {0, 1}},
                   {kRightShoulder, {3}},
                   {kRightElbow, {4}},
                   {kRightWrist, {5}},
                   {kLeftShoulder, {12}},
                   {kLeftElbow, {13}},
                   {kLeftWrist, {14}},
                   {kRightHip, {7}},
                   {kRightKnee, {8}},
                   {kRightAnkle, {9}},
                   {kLeftHip, {16}},
                   {kLeftKnee, {17}},
                   {kLeftAnkle, {18}}});
  // Ankle -> toe points down ~35 degrees when standing; heel -> toe is flat like our rest foot.
  l.bone_direction[kRightAnkle] = {{10}, {11}};
  l.bone_direction[kLeftAnkle] = {{19}, {20}};
  l.bone_direction[kRightWrist] = {{5}, {6}};
  l.bone_direction[kLeftWrist] = {{14}, {15}};
  return l;
}

Clip fit_positions(const std::vector<Vec3>& positions, const MarkerLayout& layout, double fps, FitReport* report) {
  return fit_positions(positions, layout, fps, FitOptions{}, report);
}

Clip fit_positions(const std::vector<Vec3>& positions, const MarkerLayout& layout, double fps,
                   const FitOptions& options, FitReport* report) {
  const int nm = layout.num_markers;
  const std::string where = "fit_positions(" + layout.name + ")";
  if (nm <= 0) throw Error(where + ": layout has no markers");
  if (positions.size() % nm != 0)
    throw Error(where + ": " + std::to_string(positions.size()) + " positions is not a multiple of " +
                std::to_string(nm) + " markers");
  if (!(fps > 0)) throw Error(where + ": fps must be positive");
  auto check_indices = [&](const std::vector<int>& idx, int j) {
    for (int i : idx)
      if (i < 0 || i >= nm)
        throw Error(where + ": marker index " + std::to_string(i) + " for joint " + std::string(joint_name(j)) +
                    " is outside 0.." + std::to_string(nm - 1));
  };
  for (int j = 0; j < kNumJoints; ++j) {
    check_indices(layout.joint_markers[j], j);
    const auto& d = layout.bone_direction[j];
    if (d.from.empty() != d.to.empty())
      throw Error(where + ": bone direction of " + std::string(joint_name(j)) + " needs both 'from' and 'to'");
    check_indices(d.from, j);
    check_indices(d.to, j);
  }
  for (int j : {kPelvis, kLeftHip, kRightHip, kLeftKnee, kRightKnee, kLeftAnkle, kRightAnkle, kLeftShoulder,
                kRightShoulder, kLeftElbow, kRightElbow, kLeftWrist, kRightWrist})
    if (layout.joint_markers[j].empty())
      throw Error(where + ": layout has no marker for required joint " + std::string(joint_name(j)));
  if (layout.joint_markers[kSpine1].empty() && layout.joint_markers[kSpine2].empty() &&
      layout.joint_markers[kSpine3].empty() && layout.joint_markers[kNeck].empty() &&
      layout.joint_markers[kHead].empty())
    throw Error(where + ": layout has no marker on the spine, neck or head");

  const int frames = static_cast<int>(positions.size() / nm);
  std::vector<Vec3> markers = positions;
  const double noise = estimate_noise(markers, frames, layout);
  double smooth_s = options.marker_smooth_s;
  if (smooth_s < 0) smooth_s = noise < 5e-4 ? 0.0 : std::min(kMaxAutoSmoothS, noise / 0.005 / 30.0);
  smooth_sequences(markers, frames, nm, smooth_s * fps);

  // Targets per frame: observed joints, then unobserved interior joints interpolated along the
  // canonical chain between the nearest observed ancestor and descendant.
  std::array<int, kNumJoints> kind{};  // 0 free, 1 observed, 2 filled
  std::array<int, kNumJoints> fill_from{}, fill_to{};
  std::array<double, kNumJoints> fill_t{};
  for (int j = 0; j < kNumJoints; ++j) {
    if (!layout.joint_markers[j].empty()) {
      kind[j] = 1;
      continue;
    }
    int a = parent(j);
    if (a < 0 || kind[a] == 0) continue;
    double la = norm(rest_offset(j)), ld = la;
    int d = main_child(j);
    while (d >= 0 && layout.joint_markers[d].empty()) {
      ld += norm(rest_offset(d));
      d = main_child(d);
    }
    if (d < 0) continue;
    ld += norm(rest_offset(d));
    // The ancestor may itself be filled; chain fractions then compose correctly because its
    // target lies on the same straight segment.
    kind[j] = 2;
    fill_from[j] = a;
    fill_to[j] = d;
    fill_t[j] = la / ld;
  }
  std::vector<Vec3> target(static_cast<size_t>(frames) * kNumJoints);
  auto T = [&](int f, int j) -> Vec3& { return target[static_cast<size_t>(f) * kNumJoints + j]; };
  for (int f = 0; f < frames; ++f) {
    size_t base = static_cast<size_t>(f) * nm;
    for (int j = 0; j < kNumJoints; ++j)
      if (kind[j] == 1) T(f, j) = marker_mean(markers, base, layout.joint_markers[j]);
    for (int j = 0; j < kNumJoints; ++j)
      if (kind[j] == 2) T(f, j) = T(f, fill_from[j]) + (T(f, fill_to[j]) - T(f, fill_from[j])) * fill_t[j];
  }
  auto dir_obs = [&](int f, int j) {
    const auto& d = layout.bone_direction[j];
    size_t base = static_cast<size_t>(f) * nm;
    return marker_mean(markers, base, d.to) - marker_mean(markers, base, d.from);
  };

  // Bend-plane normals of the limbs (their length is sin(bend), so straight limbs weigh little),
  // smoothed over time: they fix the twist of the upper arm and thigh.
  std::vector<Vec3> hinge(static_cast<size_t>(frames) * kNumJoints);
  for (int f = 0; f < frames; ++f)
    for (int j = 0; j < kNumJoints; ++j) {
      if (!is_hinge_root(j)) continue;
      int c = main_child(j), g = main_child(c);
      if (kind[j] == 0 || kind[c] == 0 || kind[g] == 0) continue;
      hinge[static_cast<size_t>(f) * kNumJoints + j] =
          cross(normalized(T(f, c) - T(f, j)), normalized(T(f, g) - T(f, c)));
    }
  smooth_sequences(hinge, frames, kNumJoints, options.twist_smooth_s * fps);

  // Scale: canonical / observed leg length (median over frames, both legs).
  double scale = 1;
  if (options.scale_to_canonical && frames > 0) {
    std::vector<double> legs;
    legs.reserve(frames);
    for (int f = 0; f < frames; ++f) {
      double l = norm(T(f, kLeftKnee) - T(f, kLeftHip)) + norm(T(f, kLeftAnkle) - T(f, kLeftKnee)) +
                 norm(T(f, kRightKnee) - T(f, kRightHip)) + norm(T(f, kRightAnkle) - T(f, kRightKnee));
      legs.push_back(0.5 * l);
    }
    std::nth_element(legs.begin(), legs.begin() + legs.size() / 2, legs.end());
    double observed = legs[legs.size() / 2];
    double canonical = norm(rest_offset(kLeftKnee)) + norm(rest_offset(kLeftAnkle));
    if (observed > 1e-6) scale = canonical / observed;
  }

  Clip clip;
  clip.fps = fps;
  clip.resize(frames);
  std::array<Quat, kNumJoints> world;
  Pose pos;
  std::vector<Vec3> va, vb;
  std::vector<double> vw;
  for (int f = 0; f < frames; ++f) {
    // Direction pairs of each joint: (canonical rest direction, observed direction). `from` is
    // where the bone starts: the observed joint, or its fitted position when aiming.
    auto pairs = [&](int j, const Vec3& from, std::vector<Vec3>& a, std::vector<Vec3>& b) {
      a.clear();
      b.clear();
      if (kind[j] == 0) return;
      const auto& d = layout.bone_direction[j];
      if (!d.from.empty()) {
        int c = main_child(j);
        a.push_back(normalized(c >= 0 ? rest_offset(c) : rest_offset(j)));
        b.push_back(dir_obs(f, j));
        return;
      }
      if (j == kPelvis || j == kSpine3) {
        // A rigid frame from the left-right line and the spine: the individual hip and collar
        // directions of a source need not be rigid with it (HumanML3D's are not).
        int l = j == kPelvis ? kLeftHip : kLeftCollar, r = j == kPelvis ? kRightHip : kRightCollar;
        int up = main_child(j);
        if (kind[l] != 0 && kind[r] != 0) {
          a.push_back({1, 0, 0});
          b.push_back(normalized(T(f, l) - T(f, r)));
        }
        if (kind[up] != 0) {
          a.push_back({0, 1, 0});
          b.push_back(normalized(T(f, up) - T(f, j)));
        }
        return;
      }
      for (int c : children_of(j)) {
        if (kind[c] == 0) continue;
        a.push_back(normalized(rest_offset(c)));
        b.push_back(normalized(T(f, c) * scale - from));
      }
    };
    // Joints with several children get an absolute frame first (pelvis, spine3).
    std::array<bool, kNumJoints> absolute{};
    for (int j : {kPelvis, kSpine3}) {
      pairs(j, T(f, j) * scale, va, vb);
      if (va.size() >= 2) {
        vw.assign(va.size(), 1.0);
        world[j] = best_rotation(va, vb, vw);
        absolute[j] = true;
      }
    }
    if (!absolute[kPelvis]) {
      // A pelvis with a single observed child: turn the rest frame onto it.
      pairs(kPelvis, T(f, kPelvis) * scale, va, vb);
      world[kPelvis] = va.empty() ? Quat::identity() : quat_between(va[0], vb[0]);
      absolute[kPelvis] = true;
    }
    pos[kPelvis] = T(f, kPelvis) * scale;
    for (int j = 1; j < kNumJoints; ++j) {
      int p = parent(j);
      pos[j] = pos[p] + rotate(world[p], rest_offset(j));
      if (absolute[j]) continue;
      Quat ref = world[p];
      // Spread the torso twist over the spine when spine3 has its own frame.
      if ((j == kSpine1 || j == kSpine2) && absolute[kSpine3])
        ref = slerp(world[kPelvis], world[kSpine3], j == kSpine1 ? 1.0 / 3 : 2.0 / 3);
      pairs(j, options.aim_at_markers ? pos[j] : T(f, j) * scale, va, vb);
      if (va.empty() || norm(vb[0]) < 1e-9) {
        world[j] = ref;
        continue;
      }
      Vec3 obs = normalized(vb[0]);
      Quat r = normalized(quat_between(rotate(ref, va[0]), obs) * ref);
      if (is_hinge_root(j)) {
        Vec3 n = hinge[static_cast<size_t>(f) * kNumJoints + j];
        double weight = std::clamp(norm(n) * 3, 0.0, 1.0);
        if (weight > 0) {
          Vec3 n_can = normalized(cross(va[0], bend_direction(j)));
          double theta = angle_around(rotate(r, n_can), n, obs);
          r = normalized(quat_from_axis_angle(obs, weight * theta) * r);
        }
      }
      world[j] = r;
    }
    clip.q(f, 0) = world[0];
    for (int j = 1; j < kNumJoints; ++j) clip.q(f, j) = normalized(conjugate(world[parent(j)]) * world[j]);
    clip.root[f] = T(f, kPelvis) * scale;
  }
  // One hemisphere per joint over time, so interpolation and 6D learning see no sign flips.
  for (int f = 1; f < frames; ++f)
    for (int j = 0; j < kNumJoints; ++j) {
      Quat& q = clip.q(f, j);
      if (dot(q, clip.q(f - 1, j)) < 0) q = {-q.w, -q.x, -q.y, -q.z};
    }

  if (report) {
    *report = FitReport{};
    report->scale = scale;
    report->noise_m = noise;
    report->smooth_s = smooth_s;
    double sum = 0, asum = 0, esum = 0;
    long count = 0, acount = 0, ecount = 0;
    auto add_angle = [&](const Vec3& fitted, const Vec3& observed) {
      double a = angle_deg(fitted, observed);
      asum += a;
      report->max_angle_deg = std::max(report->max_angle_deg, a);
      ++acount;
    };
    // Against the input markers as given (before any smoothing).
    auto raw = [&](int f, int j) { return marker_mean(positions, static_cast<size_t>(f) * nm, layout.joint_markers[j]); };
    auto raw_dir = [&](int f, int j) {
      const auto& d = layout.bone_direction[j];
      size_t base = static_cast<size_t>(f) * nm;
      return marker_mean(positions, base, d.to) - marker_mean(positions, base, d.from);
    };
    Pose p;
    std::array<Quat, kNumJoints> wr;
    for (int f = 0; f < frames; ++f) {
      fk(clip, f, p, &wr);
      for (int j = 0; j < kNumJoints; ++j) {
        if (kind[j] != 1) continue;
        double e = norm(p[j] - raw(f, j) * scale);
        sum += e;
        report->max_error_m = std::max(report->max_error_m, e);
        ++count;
        if (j == kHead || j == kLeftWrist || j == kRightWrist || j == kLeftAnkle || j == kRightAnkle ||
            j == kLeftFoot || j == kRightFoot) {
          esum += e;
          report->max_end_effector_error_m = std::max(report->max_end_effector_error_m, e);
          ++ecount;
        }
        // Directions as the solver sees them: the layout's direction markers, the left-right
        // line and the spine for pelvis and spine3, else bones between observed joints.
        const auto& d = layout.bone_direction[j];
        if (!d.from.empty()) {
          int c = main_child(j);
          add_angle(rotate(wr[j], c >= 0 ? rest_offset(c) : rest_offset(j)), raw_dir(f, j));
          continue;
        }
        if (j == kPelvis || j == kSpine3) {
          int l = j == kPelvis ? kLeftHip : kLeftCollar, r = j == kPelvis ? kRightHip : kRightCollar;
          if (kind[l] == 1 && kind[r] == 1) add_angle(rotate(wr[j], {1, 0, 0}), raw(f, l) - raw(f, r));
          int up = main_child(j);
          if (kind[up] == 1) add_angle(rotate(wr[j], {0, 1, 0}), raw(f, up) - raw(f, j));
          continue;
        }
        for (int c : children_of(j))
          if (kind[c] == 1) add_angle(p[c] - p[j], raw(f, c) - raw(f, j));
      }
    }
    if (count) report->mean_error_m = sum / count;
    if (acount) report->mean_angle_deg = asum / acount;
    if (ecount) report->mean_end_effector_error_m = esum / ecount;
  }
  return clip;
}

}  // namespace e2m::motion
