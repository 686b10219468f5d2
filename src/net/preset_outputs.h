// Presets (live/preset.h) to the options of the outputs they describe, and back, shared by `e2m live
// --preset` and the monitor's destinations so both read a preset the same way.
#pragma once
#include <string>

#include "live/preset.h"
#include "net/vj_encoder.h"
#include "net/vmc_encoder.h"

namespace e2m::net {

// "HOST:PORT", with an IPv6 host in brackets ("[::1]:39539").
std::string host_port(const std::string& host, int port);

VmcOptions vmc_options(const live::VmcTarget& target);
// The target `options` describe at host:port (the inverse of vmc_options).
live::VmcTarget vmc_target(const std::string& host, int port, const VmcOptions& options);

VjOptions vj_options(const live::VjPreset& preset);

}  // namespace e2m::net
