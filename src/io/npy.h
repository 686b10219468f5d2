// NumPy .npy files: read (format 1.0/2.0/3.0, little-endian f4/f8/i4/i8/u1, C order) into float or
// double, and write float32/float64. Errors name the file and what was wrong.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace e2m::io {

template <typename T>
struct NpyArray {
  std::vector<size_t> shape;  // () for a scalar
  std::vector<T> data;        // C order, product(shape) values
  std::string dtype;          // the file's descr, e.g. "<f4"

  size_t count() const {
    size_t n = 1;
    for (size_t d : shape) n *= d;
    return n;
  }
  int ndim() const { return static_cast<int>(shape.size()); }
};

// Largest element count accepted (4G values); anything beyond is treated as a corrupt header.
inline constexpr size_t kNpyMaxElements = size_t{1} << 32;

// Parse the bytes of a .npy file; `name` appears in error messages. Integer and uint8 data are
// converted to T.
NpyArray<double> parse_npy(std::string_view bytes, const std::string& name);
NpyArray<float> parse_npy_float(std::string_view bytes, const std::string& name);
NpyArray<double> read_npy(const std::filesystem::path& path);
NpyArray<float> read_npy_float(const std::filesystem::path& path);

// Serialise as format 1.0 with descr "<f4" / "<f8". data.size() must equal product(shape).
std::string format_npy(const std::vector<size_t>& shape, const std::vector<float>& data);
std::string format_npy(const std::vector<size_t>& shape, const std::vector<double>& data);
void write_npy(const std::filesystem::path& path, const std::vector<size_t>& shape,
               const std::vector<float>& data);
void write_npy(const std::filesystem::path& path, const std::vector<size_t>& shape,
               const std::vector<double>& data);

}  // namespace e2m::io
