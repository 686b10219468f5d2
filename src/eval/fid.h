// Frechet distance between two sets of feature vectors (FID_k, FID_g, the text evaluator's FID),
// with the covariance shrinkage that few samples need, bootstrap intervals and diversity.
#pragma once
#include <cstdint>
#include <vector>

namespace e2m::eval {

using FeatureRows = std::vector<std::vector<double>>;  // one feature vector per sample, equal lengths

// Per-dimension mean and std of a reference set (the real data); apply() maps a set to
// (x - mean) / std, as Bailando normalises both sets by the real one before its FIDs. A dimension that
// is constant in the reference (std < 1e-6) is only centred: dividing by ~0 would let a rounding
// difference dominate.
struct Standardizer {
  std::vector<double> mean, std;
  static Standardizer fit(const FeatureRows& reference);
  FeatureRows apply(const FeatureRows& rows) const;
};

// Covariance (divided by n) shrunk towards (trace / d) I by the Ledoit-Wolf optimal weight
// ("A well-conditioned estimator for large-dimensional covariance matrices", J. Multivariate Anal.
// 2004). With fewer samples than dimensions the sample covariance is singular and the FID's matrix
// square root meaningless; the weight goes to 0 as samples grow, so large sets are left as they are.
// Returns d x d row-major; `shrinkage` receives the weight used.
std::vector<double> shrunk_covariance(const FeatureRows& rows, std::vector<double>* mean = nullptr,
                                      double* shrinkage = nullptr);

// Eigenvalues in ascending order (and optionally the eigenvectors as columns, row-major) of a
// symmetric d x d matrix.
std::vector<double> symmetric_eigen(std::vector<double> a, int d, std::vector<double>* vectors = nullptr);

// |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) with shrunk covariances; tr (S_a S_b)^(1/2) =
// tr (S_a^(1/2) S_b S_a^(1/2))^(1/2), a symmetric matrix, so no non-symmetric square root is needed.
// Throws e2m::Error when a set has fewer than 2 rows or the lengths differ.
double frechet_distance(const FeatureRows& a, const FeatureRows& b);

struct Interval {
  double value = 0;       // on the full sets
  double lo = 0, hi = 0;  // 95% interval (see frechet_bootstrap)
  int resamples = 0;
};
// FID with a bootstrap interval: both sets resampled with replacement `resamples` times. A resample
// repeats rows, which raises the FID of small sets, so the plain percentile interval can lie wholly
// above the full-set value; instead the resamples' spread around their median (2.5th and 97.5th
// percentile minus the median) is placed around the full-set value (clipped at 0).
Interval frechet_bootstrap(const FeatureRows& a, const FeatureRows& b, int resamples = 200,
                           uint64_t seed = 1);

// Mean Euclidean distance over all pairs of rows (0 for fewer than 2 rows).
double mean_pairwise_distance(const FeatureRows& rows);

}  // namespace e2m::eval
