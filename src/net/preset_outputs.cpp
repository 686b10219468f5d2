#include "net/preset_outputs.h"

namespace e2m::net {

std::string host_port(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

VmcOptions vmc_options(const live::VmcTarget& target) {
  VmcOptions o;
  o.bundled = target.bundled;
  o.bone_mask = target.bone_mask;
  o.root_lock = target.root_lock;
  o.rate_hz = target.rate_hz;
  return o;
}

live::VmcTarget vmc_target(const std::string& host, int port, const VmcOptions& options) {
  live::VmcTarget t;
  t.host = host;
  t.port = port;
  t.bundled = options.bundled;
  t.bone_mask = options.bone_mask;
  t.root_lock = options.root_lock;
  // Every tick (0) is saved as the presets' default rate, the default output clock's.
  if (options.rate_hz > 0) t.rate_hz = options.rate_hz;
  return t;
}

VjOptions vj_options(const live::VjPreset& preset) {
  VjOptions o;
  o.prefix = preset.prefix;
  o.space = preset.space == live::VjPoseSpace::kRoot ? VjSpace::kRootRelative : VjSpace::kWorld;
  o.normalise = preset.normalise;
  o.box_min = {preset.box_min[0], preset.box_min[1], preset.box_min[2]};
  o.box_max = {preset.box_max[0], preset.box_max[1], preset.box_max[2]};
  o.joints = preset.joint_messages;
  o.bundled = preset.bundled;
  return o;
}

}  // namespace e2m::net
