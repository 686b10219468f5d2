// Text-motion retrieval metrics of Guo et al. 2022 ("Generating diverse and natural 3D human motions
// from text"): R-precision and multimodal distance over pools of matched text and motion embeddings.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "eval/fid.h"

namespace e2m::eval {

struct RetrievalScores {
  std::array<double, 3> r_precision{};  // top-1, top-2, top-3
  double mm_dist = 0;                   // mean Euclidean distance of matched text and motion embeddings
  int pool_size = 0;
  int pools = 0;
};

// texts[i] describes motions[i]. Each pool is a list of indices into both; within a pool every text
// ranks the pool's motions by Euclidean distance, and top-k counts the texts whose own motion is among
// the k nearest (Guo's calculate_R_precision). Scores are means over all texts of all pools.
RetrievalScores retrieval_scores(const FeatureRows& texts, const FeatureRows& motions,
                                 const std::vector<std::vector<int>>& pools);

// Pools of `pool_size` items with pairwise distinct groups (Bandai: the (content, style) pair, so that
// no two captions in a pool mean the same), `count` pools drawn at random: each pool takes pool_size
// distinct groups and one random item of each. pool_size is clipped to the number of groups.
std::vector<std::vector<int>> distinct_group_pools(const std::vector<int>& group_of_item, int pool_size,
                                                   int count, uint64_t seed);

}  // namespace e2m::eval
