// Frechet distance, shrinkage, bootstrap, diversity and the retrieval metrics on sets with known answers.
#include <cmath>
#include <random>
#include <set>

#include "eval/fid.h"
#include "eval/retrieval.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m::eval;

namespace {

FeatureRows gaussian_rows(int n, int d, uint64_t seed, double shift = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  FeatureRows rows(static_cast<size_t>(n), std::vector<double>(static_cast<size_t>(d)));
  for (auto& r : rows)
    for (auto& x : r) x = g(rng) + shift;
  return rows;
}

}  // namespace

TEST_CASE("FID of identical sets is 0, of a shifted set the squared shift", "[eval][fid]") {
  const FeatureRows a = gaussian_rows(200, 6, 1);
  CHECK(frechet_distance(a, a) == Approx(0.0).margin(1e-9));
  FeatureRows b = a;
  for (auto& r : b)
    for (auto& x : r) x += 1.0;
  CHECK(frechet_distance(a, b) == Approx(6.0).epsilon(1e-6));  // |mu_a - mu_b|^2, same covariance
  // More dimensions than samples: singular covariance, shrinkage keeps it finite and 0 on itself.
  const FeatureRows few = gaussian_rows(10, 66, 2);
  CHECK(frechet_distance(few, few) == Approx(0.0).margin(1e-8));
  CHECK(std::isfinite(frechet_distance(few, gaussian_rows(10, 66, 3))));
  CHECK_THROWS_AS(frechet_distance({{1.0}}, a), e2m::Error);
}

TEST_CASE("Ledoit-Wolf shrinkage is strong for few samples and vanishes for many", "[eval][fid]") {
  double few = 0, many = 0;
  shrunk_covariance(gaussian_rows(8, 30, 4), nullptr, &few);
  // Unequal variances: far from a scaled identity, so many samples need no shrinking. (For iid unit
  // variances the identity is the truth and the optimal weight is 1.)
  FeatureRows skewed = gaussian_rows(20000, 3, 5);
  for (auto& r : skewed) r[2] *= 5;
  shrunk_covariance(skewed, nullptr, &many);
  CHECK(few > 0.5);
  CHECK(many < 0.05);
}

TEST_CASE("Jacobi eigenvalues of a symmetric matrix", "[eval][fid]") {
  // [[2, 1], [1, 2]] has eigenvalues 1 and 3.
  std::vector<double> v;
  auto w = symmetric_eigen({2, 1, 1, 2}, 2, &v);
  std::sort(w.begin(), w.end());
  CHECK(w[0] == Approx(1.0));
  CHECK(w[1] == Approx(3.0));
  CHECK(std::abs(v[0] * v[1] + v[2] * v[3]) < 1e-12);  // orthogonal columns
}

TEST_CASE("bootstrap interval brackets the FID, standardisation uses the reference", "[eval][fid]") {
  const FeatureRows a = gaussian_rows(60, 4, 6), b = gaussian_rows(60, 4, 7, 0.5);
  const Interval i = frechet_bootstrap(a, b, 50, 1);
  CHECK(i.resamples == 50);
  CHECK(i.lo <= i.hi);
  CHECK(i.value > 0);
  CHECK((i.value >= i.lo && i.value <= i.hi));
  const Standardizer s = Standardizer::fit({{1, 5}, {3, 5}});
  CHECK(s.mean == std::vector<double>{2, 5});
  CHECK(s.std == std::vector<double>{1, 1});  // the constant column is only centred
  CHECK(s.apply({{4, 6}}) == FeatureRows{{2, 1}});
}

TEST_CASE("diversity is the mean pairwise distance", "[eval][fid]") {
  CHECK(mean_pairwise_distance({{0, 0}, {3, 4}}) == Approx(5.0));
  CHECK(mean_pairwise_distance({{0, 0}, {3, 4}, {0, 0}}) == Approx(10.0 / 3));
  CHECK(mean_pairwise_distance({{1, 1}}) == 0.0);
}

TEST_CASE("R-precision of a perfect evaluator is 1, of a blind one chance", "[eval][text]") {
  const int n = 40;
  const FeatureRows m = gaussian_rows(n, 8, 8);
  std::vector<int> groups;
  for (int i = 0; i < n; ++i) groups.push_back(i % 20);
  const auto pools = distinct_group_pools(groups, 32, 30, 1);
  REQUIRE(pools.size() == 30);
  for (const auto& p : pools) {
    CHECK(p.size() == 20);  // clipped to the 20 distinct groups
    std::set<int> g;
    for (int i : p) g.insert(groups[size_t(i)]);
    CHECK(g.size() == p.size());
  }
  const RetrievalScores perfect = retrieval_scores(m, m, pools);
  CHECK(perfect.r_precision[0] == 1.0);
  CHECK(perfect.r_precision[2] == 1.0);
  CHECK(perfect.mm_dist == 0.0);
  CHECK(perfect.pool_size == 20);
  const RetrievalScores blind = retrieval_scores(gaussian_rows(n, 8, 9), m, pools);
  CHECK(blind.r_precision[0] < 0.2);
  CHECK(blind.r_precision[2] < 0.4);
  CHECK(blind.mm_dist > 1.0);
}
