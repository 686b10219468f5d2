// The monitor's 3D view: the streamed pose as shaded bones and joints (instanced cylinders and
// spheres), a ground grid and the character's shadow, drawn with the shaders in shaders/ into a
// rectangle of the window. Needs a current OpenGL 3.3 core context for its whole life.
#pragma once
#include <cstdint>
#include <vector>

#include "motion/pose.h"
#include "ui/view_math.h"

namespace e2m::ui {

struct Viewport {
  int x = 0, y = 0, width = 0, height = 0;  // pixels, origin at the window's bottom left (GL's)
};

// Colours of the view, shared with the tests that tell the skeleton from the background.
inline constexpr std::array<float, 3> kBackgroundColor{0.08f, 0.09f, 0.11f};

class SceneRenderer {
 public:
  SceneRenderer();  // compiles the shaders, builds the meshes; throws e2m::Error naming a shader
  ~SceneRenderer();
  SceneRenderer(const SceneRenderer&) = delete;
  SceneRenderer& operator=(const SceneRenderer&) = delete;

  // Clears the viewport and draws the ground, the shadow and the character.
  void draw(const Viewport& viewport, const OrbitCamera& camera,
            const std::array<motion::Vec3, motion::kNumJoints>& joints);

 private:
  struct Mesh {
    unsigned vao = 0, vbo = 0, ebo = 0, instances = 0;
    int index_count = 0;
  };
  void build_mesh(Mesh& mesh, const std::vector<float>& vertices, const std::vector<uint32_t>& indices);
  void draw_instances(const Mesh& mesh, const std::vector<Instance>& instances);
  void draw_grid(const Mat4& view_proj, const OrbitCamera& camera);
  void draw_character(const Mat4& view_proj, const OrbitCamera& camera);

  unsigned skeleton_program_ = 0, grid_program_ = 0;
  Mesh cylinder_, sphere_;
  unsigned grid_vao_ = 0, grid_vbo_ = 0;
  std::vector<Instance> bones_, spheres_;
};

}  // namespace e2m::ui
