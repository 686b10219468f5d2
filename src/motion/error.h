// e2m::Error: the one exception type for bad input; its message names the file/line/field and what was expected.
#pragma once
#include <stdexcept>
#include <string>

namespace e2m {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace e2m
