// Frechet distance with Ledoit-Wolf shrinkage, bootstrap intervals and diversity; see fid.h.
#include "eval/fid.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "eval/motion_quality.h"
#include "eval/one_thread.h"
#include "motion/error.h"

namespace e2m::eval {
namespace {

std::vector<double> column_mean(const FeatureRows& rows, size_t d) {
  std::vector<double> m(d, 0.0);
  for (const auto& r : rows)
    for (size_t k = 0; k < d; ++k) m[k] += r[k];
  for (double& x : m) x /= static_cast<double>(rows.size());
  return m;
}

// Symmetric square root through the eigen decomposition (negative rounding noise clipped to 0).
std::vector<double> sqrt_psd(const std::vector<double>& s, int d) {
  std::vector<double> v;
  auto w = symmetric_eigen(s, d, &v);
  std::vector<double> out(size_t(d) * size_t(d), 0.0);
  for (int i = 0; i < d; ++i)
    for (int j = 0; j < d; ++j) {
      double sum = 0;
      for (int k = 0; k < d; ++k)
        sum += v[size_t(i * d + k)] * std::sqrt(std::max(0.0, w[size_t(k)])) * v[size_t(j * d + k)];
      out[size_t(i * d + j)] = sum;
    }
  return out;
}

std::vector<double> matmul(const std::vector<double>& a, const std::vector<double>& b, int d) {
  std::vector<double> c(size_t(d) * size_t(d), 0.0);
  for (int i = 0; i < d; ++i)
    for (int k = 0; k < d; ++k) {
      const double aik = a[size_t(i * d + k)];
      for (int j = 0; j < d; ++j) c[size_t(i * d + j)] += aik * b[size_t(k * d + j)];
    }
  return c;
}

}  // namespace

Standardizer Standardizer::fit(const FeatureRows& reference) {
  Standardizer s;
  if (reference.empty()) return s;
  const size_t d = reference.front().size();
  s.mean = column_mean(reference, d);
  s.std.assign(d, 0.0);
  for (const auto& r : reference)
    for (size_t k = 0; k < d; ++k) s.std[k] += (r[k] - s.mean[k]) * (r[k] - s.mean[k]);
  for (double& x : s.std) {
    x = std::sqrt(x / static_cast<double>(reference.size()));
    if (x < 1e-6) x = 1.0;
  }
  return s;
}

FeatureRows Standardizer::apply(const FeatureRows& rows) const {
  FeatureRows out = rows;
  for (auto& r : out)
    for (size_t k = 0; k < r.size() && k < mean.size(); ++k) r[k] = (r[k] - mean[k]) / std[k];
  return out;
}

std::vector<double> shrunk_covariance(const FeatureRows& rows, std::vector<double>* mean_out,
                                      double* shrinkage) {
  const size_t n = rows.size(), d = rows.empty() ? 0 : rows.front().size();
  const auto mu = column_mean(rows, d);
  std::vector<double> s(d * d, 0.0);
  for (const auto& r : rows)
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j) s[i * d + j] += (r[i] - mu[i]) * (r[j] - mu[j]);
  for (double& x : s) x /= static_cast<double>(n);
  double trace = 0;
  for (size_t i = 0; i < d; ++i) trace += s[i * d + i];
  const double m = trace / static_cast<double>(d);
  // d2 = |S - mI|_F^2; b2 = mean over samples of |x x^T - S|_F^2 / n (the estimate's variance).
  double d2 = 0;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) d2 += std::pow(s[i * d + j] - (i == j ? m : 0.0), 2);
  double b2 = 0;
  for (const auto& r : rows)
    for (size_t i = 0; i < d; ++i)
      for (size_t j = 0; j < d; ++j) b2 += std::pow((r[i] - mu[i]) * (r[j] - mu[j]) - s[i * d + j], 2);
  b2 /= static_cast<double>(n) * static_cast<double>(n);
  const double w = d2 > 0 ? std::min(b2, d2) / d2 : 0.0;
  for (size_t i = 0; i < d; ++i)
    for (size_t j = 0; j < d; ++j) s[i * d + j] = (1 - w) * s[i * d + j] + (i == j ? w * m : 0.0);
  if (mean_out) *mean_out = mu;
  if (shrinkage) *shrinkage = w;
  return s;
}

std::vector<double> symmetric_eigen(std::vector<double> a, int d, std::vector<double>* vectors) {
  // LAPACK's divide and conquer (syevd) through LibTorch: the bootstrap needs hundreds of these.
  const OneThread one;
  auto m = torch::from_blob(a.data(), {d, d}, torch::kDouble);
  auto [w, v] = torch::linalg_eigh(m, "L");
  w = w.contiguous();
  if (vectors) {
    v = v.contiguous();
    vectors->assign(v.data_ptr<double>(), v.data_ptr<double>() + v.numel());
  }
  return {w.data_ptr<double>(), w.data_ptr<double>() + w.numel()};
}

double frechet_distance(const FeatureRows& a, const FeatureRows& b) {
  if (a.size() < 2 || b.size() < 2) throw Error("FID: each set needs at least 2 samples");
  const int d = static_cast<int>(a.front().size());
  if (d == 0 || static_cast<int>(b.front().size()) != d)
    throw Error("FID: the two sets' feature lengths differ");
  std::vector<double> ma, mb;
  const auto sa = shrunk_covariance(a, &ma), sb = shrunk_covariance(b, &mb);
  double dmu = 0, tr = 0;
  for (int i = 0; i < d; ++i) {
    dmu += (ma[size_t(i)] - mb[size_t(i)]) * (ma[size_t(i)] - mb[size_t(i)]);
    tr += sa[size_t(i * d + i)] + sb[size_t(i * d + i)];
  }
  const auto ra = sqrt_psd(sa, d);
  const auto inner = matmul(matmul(ra, sb, d), ra, d);
  double tr_sqrt = 0;
  for (double w : symmetric_eigen(inner, d)) tr_sqrt += std::sqrt(std::max(0.0, w));
  return std::max(0.0, dmu + tr - 2 * tr_sqrt);
}

Interval frechet_bootstrap(const FeatureRows& a, const FeatureRows& b, int resamples, uint64_t seed) {
  Interval out;
  out.value = frechet_distance(a, b);
  out.resamples = resamples;
  std::mt19937_64 rng(seed);
  std::vector<double> values;
  auto resample = [&](const FeatureRows& rows) {
    std::uniform_int_distribution<size_t> pick(0, rows.size() - 1);
    FeatureRows r;
    for (size_t i = 0; i < rows.size(); ++i) r.push_back(rows[pick(rng)]);
    return r;
  };
  for (int k = 0; k < resamples; ++k) values.push_back(frechet_distance(resample(a), resample(b)));
  if (resamples > 0) {
    const double median = quantile(values, 0.5);
    out.lo = std::max(0.0, out.value - (median - quantile(values, 0.025)));
    out.hi = out.value + (quantile(values, 0.975) - median);
  } else {
    out.lo = out.hi = out.value;
  }
  return out;
}

double mean_pairwise_distance(const FeatureRows& rows) {
  double sum = 0;
  long pairs = 0;
  for (size_t i = 0; i < rows.size(); ++i)
    for (size_t j = i + 1; j < rows.size(); ++j) {
      double d2 = 0;
      for (size_t k = 0; k < rows[i].size(); ++k) d2 += (rows[i][k] - rows[j][k]) * (rows[i][k] - rows[j][k]);
      sum += std::sqrt(d2);
      ++pairs;
    }
  return pairs ? sum / static_cast<double>(pairs) : 0.0;
}

}  // namespace e2m::eval
