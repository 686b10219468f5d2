// R-precision, MM-Dist and pools of distinct groups; see retrieval.h.
#include "eval/retrieval.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "motion/error.h"

namespace e2m::eval {
namespace {

double distance(const std::vector<double>& a, const std::vector<double>& b) {
  double d2 = 0;
  for (size_t k = 0; k < a.size(); ++k) d2 += (a[k] - b[k]) * (a[k] - b[k]);
  return std::sqrt(d2);
}

}  // namespace

RetrievalScores retrieval_scores(const FeatureRows& texts, const FeatureRows& motions,
                                 const std::vector<std::vector<int>>& pools) {
  if (texts.size() != motions.size()) throw Error("retrieval: texts and motions differ in number");
  RetrievalScores s;
  long n = 0;
  for (const auto& pool : pools) {
    for (int i : pool) {
      const double own = distance(texts[size_t(i)], motions[size_t(i)]);
      // Rank of the own motion: how many others are strictly nearer (ties count in its favour).
      int nearer = 0;
      for (int j : pool)
        if (j != i && distance(texts[size_t(i)], motions[size_t(j)]) < own) ++nearer;
      for (int k = 0; k < 3; ++k) s.r_precision[size_t(k)] += nearer <= k ? 1.0 : 0.0;
      s.mm_dist += own;
      ++n;
    }
    s.pool_size = std::max(s.pool_size, static_cast<int>(pool.size()));
  }
  s.pools = static_cast<int>(pools.size());
  if (n > 0) {
    for (double& r : s.r_precision) r /= static_cast<double>(n);
    s.mm_dist /= static_cast<double>(n);
  }
  return s;
}

std::vector<std::vector<int>> distinct_group_pools(const std::vector<int>& group_of_item, int pool_size,
                                                   int count, uint64_t seed) {
  std::map<int, std::vector<int>> items;
  for (size_t i = 0; i < group_of_item.size(); ++i) items[group_of_item[i]].push_back(static_cast<int>(i));
  std::vector<int> groups;
  for (const auto& [g, list] : items) groups.push_back(g);
  const int size = std::min(pool_size, static_cast<int>(groups.size()));
  std::mt19937_64 rng(seed);
  std::vector<std::vector<int>> pools;
  if (size < 2) return pools;
  for (int p = 0; p < count; ++p) {
    std::shuffle(groups.begin(), groups.end(), rng);
    std::vector<int> pool;
    for (int k = 0; k < size; ++k) {
      const auto& list = items[groups[size_t(k)]];
      pool.push_back(list[std::uniform_int_distribution<size_t>(0, list.size() - 1)(rng)]);
    }
    pools.push_back(std::move(pool));
  }
  return pools;
}

}  // namespace e2m::eval
