// .npy reading and writing: round trips, header versions, integer dtypes, real HumanML3D files.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "io/npy.h"
#include "motion/error.h"
#include "test_support.h"

using namespace e2m;

namespace {

// A .npy byte string with a given header dict and payload, in format version `major`.
std::string make_npy(const std::string& dict, const std::string& payload, int major = 1) {
  std::string d = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + d.size() + 1) % 64) d += ' ';
  d += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  if (major == 1) {
    out += static_cast<char>(d.size() & 0xff);
    out += static_cast<char>(d.size() >> 8);
  } else {
    for (int i = 0; i < 4; ++i) out += static_cast<char>((d.size() >> (8 * i)) & 0xff);
  }
  return out + d + payload;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  std::string s(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(s.data(), v.data(), s.size());
  return s;
}

}  // namespace

TEST_CASE("npy float32 and float64 write then read round trip") {
  std::vector<float> f(24);
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(i) * 0.25f - 3.0f;
  auto bytes = io::format_npy({2, 3, 4}, f);
  CHECK((bytes.size() - f.size() * 4) % 64 == 0);  // header padded to 64 bytes
  auto a = io::parse_npy_float(bytes, "f.npy");
  CHECK(a.shape == std::vector<size_t>{2, 3, 4});
  CHECK(a.dtype == "<f4");
  CHECK(a.data == f);

  std::vector<double> d = {1.0 / 3.0, -2e300, 0};
  auto path = test::temp_dir("npy") / "d.npy";
  io::write_npy(path, {3}, d);
  auto b = io::read_npy(path);
  CHECK(b.shape == std::vector<size_t>{3});
  CHECK(b.dtype == "<f8");
  CHECK(b.data == d);

  auto s = io::parse_npy(io::format_npy({}, std::vector<double>{42.0}), "scalar.npy");
  CHECK(s.ndim() == 0);
  CHECK(s.count() == 1);
  CHECK(s.data[0] == 42.0);
  auto e = io::parse_npy(io::format_npy({0, 5}, std::vector<float>{}), "empty.npy");
  CHECK(e.shape == std::vector<size_t>{0, 5});
  CHECK(e.data.empty());
}

TEST_CASE("npy reads integer and uint8 dtypes and format 2.0 headers") {
  auto i4 = io::parse_npy(
      make_npy("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", raw<int32_t>({-1, 0, 7})),
      "i4.npy");
  CHECK(i4.data == std::vector<double>{-1, 0, 7});
  auto i8 = io::parse_npy(make_npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 1), }",
                                   raw<int64_t>({int64_t{1} << 40, -5}), 2),
                          "i8.npy");
  CHECK(i8.shape == std::vector<size_t>{2, 1});
  CHECK(i8.data == std::vector<double>{1099511627776.0, -5});
  auto u1 = io::parse_npy_float(make_npy("{\"descr\": \"|u1\", \"shape\": (4,), \"fortran_order\": False}",
                                         std::string("\x00\x01\x7f\xff", 4)),
                                "u1.npy");
  CHECK(u1.data == std::vector<float>{0, 1, 127, 255});
}

TEST_CASE("npy reads the HumanML3D sample arrays") {
  auto dir = test::shared_data() / "humanml3d-sample";
  E2M_SKIP_UNLESS_EXISTS(dir / "Mean.npy");
  auto mean = io::read_npy(dir / "Mean.npy");
  CHECK(mean.shape == std::vector<size_t>{263});
  auto joints = io::read_npy_float(dir / "new_joints_012314.npy");
  CHECK(joints.shape == std::vector<size_t>{170, 22, 3});
  for (float v : joints.data) REQUIRE(std::isfinite(v));
  auto vecs = io::read_npy(dir / "new_joint_vecs_000000.npy");
  CHECK(vecs.dtype == "<f8");
  CHECK(vecs.shape == std::vector<size_t>{116, 263});
}
