// GL objects and draw calls of the monitor's 3D view (see scene_renderer.h).
#include "ui/scene_renderer.h"

#include <cmath>
#include <numbers>
#include <string>

#include "motion/error.h"
#include "ui/gl.h"
#include "ui/shaders.h"

namespace e2m::ui {

namespace {

constexpr int kSegments = 16;                    // around a cylinder or sphere
constexpr int kRings = 10;                       // sphere, pole to pole
constexpr int kFloatsPerVertex = 6;              // position, normal
constexpr int kFloatsPerInstance = 16 + 4;       // model matrix, colour
constexpr float kGridRadius = 12.0f;             // metres of ground around the camera's target
const motion::Vec3 kLightDir{0.35, 0.85, 0.40};  // towards the light: above, front right
constexpr float kShadowAlpha = 0.45f;

// Throws `what` and the driver's log when `object` (a shader or a program) failed its last step, which
// `status` names; `get_iv`, `get_log` and `destroy` are the GL calls for its kind.
template <class GetIv, class GetLog, class Destroy>
void check_built(GLuint object, GLenum status, GetIv get_iv, GetLog get_log, Destroy destroy,
                 const std::string& what) {
  GLint ok = 0;
  get_iv(object, status, &ok);
  if (ok) return;
  char log[2048] = {};
  get_log(object, sizeof log, nullptr, log);
  destroy(object);
  throw Error(what + log);
}

unsigned compile(GLenum kind, std::string_view name) {
  const std::string_view src = shader_source(name);
  const GLuint s = glCreateShader(kind);
  const char* text = src.data();
  const GLint len = GLint(src.size());
  glShaderSource(s, 1, &text, &len);
  glCompileShader(s);
  check_built(s, GL_COMPILE_STATUS, glGetShaderiv, glGetShaderInfoLog, glDeleteShader,
              "shaders/" + std::string(name) + ": does not compile: ");
  return s;
}

unsigned link_program(std::string_view vert, std::string_view frag) {
  const GLuint v = compile(GL_VERTEX_SHADER, vert), f = compile(GL_FRAGMENT_SHADER, frag);
  const GLuint p = glCreateProgram();
  glAttachShader(p, v);
  glAttachShader(p, f);
  glLinkProgram(p);
  glDeleteShader(v);
  glDeleteShader(f);
  check_built(p, GL_LINK_STATUS, glGetProgramiv, glGetProgramInfoLog, glDeleteProgram,
              "shaders/" + std::string(vert) + " + " + std::string(frag) + ": do not link: ");
  return p;
}

void push_vertex(std::vector<float>& v, const motion::Vec3& p, const motion::Vec3& n) {
  v.insert(v.end(), {float(p.x), float(p.y), float(p.z), float(n.x), float(n.y), float(n.z)});
}

// Radius 1 around +Y from y = 0 to 1, open ends (the joint spheres close them).
void cylinder_mesh(std::vector<float>& v, std::vector<uint32_t>& idx) {
  for (int i = 0; i <= kSegments; ++i) {
    const double a = 2 * std::numbers::pi * i / kSegments;
    const motion::Vec3 n{std::cos(a), 0, std::sin(a)};
    push_vertex(v, n, n);
    push_vertex(v, n + motion::Vec3{0, 1, 0}, n);
  }
  for (uint32_t i = 0; i < kSegments; ++i)
    idx.insert(idx.end(), {2 * i, 2 * i + 1, 2 * i + 2, 2 * i + 1, 2 * i + 3, 2 * i + 2});
}

void sphere_mesh(std::vector<float>& v, std::vector<uint32_t>& idx) {
  for (int r = 0; r <= kRings; ++r) {
    const double polar = std::numbers::pi * r / kRings;
    for (int i = 0; i <= kSegments; ++i) {
      const double a = 2 * std::numbers::pi * i / kSegments;
      const motion::Vec3 n{std::sin(polar) * std::cos(a), std::cos(polar), std::sin(polar) * std::sin(a)};
      push_vertex(v, n, n);
    }
  }
  const uint32_t row = kSegments + 1;
  for (uint32_t r = 0; r < kRings; ++r)
    for (uint32_t i = 0; i < kSegments; ++i) {
      const uint32_t a = r * row + i, b = a + row;
      idx.insert(idx.end(), {a, b, a + 1, a + 1, b, b + 1});
    }
}

void set_vec3(GLuint program, const char* name, const motion::Vec3& v) {
  glUniform3f(glGetUniformLocation(program, name), float(v.x), float(v.y), float(v.z));
}

void set_mat4(GLuint program, const char* name, const Mat4& m) {
  glUniformMatrix4fv(glGetUniformLocation(program, name), 1, GL_FALSE, m.data());
}

}  // namespace

SceneRenderer::SceneRenderer() {
  skeleton_program_ = link_program("skeleton.vert", "skeleton.frag");
  grid_program_ = link_program("grid.vert", "grid.frag");
  std::vector<float> v;
  std::vector<uint32_t> idx;
  cylinder_mesh(v, idx);
  build_mesh(cylinder_, v, idx);
  v.clear();
  idx.clear();
  sphere_mesh(v, idx);
  build_mesh(sphere_, v, idx);
  const float corners[] = {-1, -1, 1, -1, -1, 1, 1, 1};
  glGenVertexArrays(1, &grid_vao_);
  glGenBuffers(1, &grid_vbo_);
  glBindVertexArray(grid_vao_);
  glBindBuffer(GL_ARRAY_BUFFER, grid_vbo_);
  glBufferData(GL_ARRAY_BUFFER, sizeof corners, corners, GL_STATIC_DRAW);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  glBindVertexArray(0);
  bones_.reserve(motion::kNumJoints);
  spheres_.reserve(motion::kNumJoints);
}

SceneRenderer::~SceneRenderer() {
  for (Mesh* m : {&cylinder_, &sphere_}) {
    glDeleteVertexArrays(1, &m->vao);
    const GLuint buffers[] = {m->vbo, m->ebo, m->instances};
    glDeleteBuffers(3, buffers);
  }
  glDeleteVertexArrays(1, &grid_vao_);
  glDeleteBuffers(1, &grid_vbo_);
  glDeleteProgram(skeleton_program_);
  glDeleteProgram(grid_program_);
}

void SceneRenderer::build_mesh(Mesh& mesh, const std::vector<float>& vertices,
                               const std::vector<uint32_t>& indices) {
  glGenVertexArrays(1, &mesh.vao);
  glGenBuffers(1, &mesh.vbo);
  glGenBuffers(1, &mesh.ebo);
  glGenBuffers(1, &mesh.instances);
  glBindVertexArray(mesh.vao);
  glBindBuffer(GL_ARRAY_BUFFER, mesh.vbo);
  glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(vertices.size() * sizeof(float)), vertices.data(), GL_STATIC_DRAW);
  const GLsizei stride = kFloatsPerVertex * sizeof(float);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, stride, nullptr);
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, stride, reinterpret_cast<void*>(3 * sizeof(float)));
  glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, mesh.ebo);
  glBufferData(GL_ELEMENT_ARRAY_BUFFER, GLsizeiptr(indices.size() * sizeof(uint32_t)), indices.data(),
               GL_STATIC_DRAW);
  // Per instance: the model matrix as four column attributes (2..5), then the colour (6).
  glBindBuffer(GL_ARRAY_BUFFER, mesh.instances);
  const GLsizei istride = kFloatsPerInstance * sizeof(float);
  for (int k = 0; k < 5; ++k) {
    glEnableVertexAttribArray(GLuint(2 + k));
    glVertexAttribPointer(GLuint(2 + k), 4, GL_FLOAT, GL_FALSE, istride,
                          reinterpret_cast<void*>(size_t(k) * 4 * sizeof(float)));
    glVertexAttribDivisor(GLuint(2 + k), 1);
  }
  glBindVertexArray(0);
  mesh.index_count = int(indices.size());
}

void SceneRenderer::draw_instances(const Mesh& mesh, const std::vector<Instance>& instances) {
  static_assert(sizeof(Instance) == kFloatsPerInstance * sizeof(float));
  glBindVertexArray(mesh.vao);
  glBindBuffer(GL_ARRAY_BUFFER, mesh.instances);
  glBufferData(GL_ARRAY_BUFFER, GLsizeiptr(instances.size() * sizeof(Instance)), instances.data(),
               GL_STREAM_DRAW);
  glDrawElementsInstanced(GL_TRIANGLES, mesh.index_count, GL_UNSIGNED_INT, nullptr,
                          GLsizei(instances.size()));
  glBindVertexArray(0);
}

void SceneRenderer::draw_grid(const Mat4& view_proj, const OrbitCamera& camera) {
  glUseProgram(grid_program_);
  set_mat4(grid_program_, "u_view_proj", view_proj);
  glUniform2f(glGetUniformLocation(grid_program_, "u_center"), float(camera.target.x),
              float(camera.target.z));
  glUniform1f(glGetUniformLocation(grid_program_, "u_radius"), kGridRadius);
  glUniform3f(glGetUniformLocation(grid_program_, "u_floor_color"), 0.15f, 0.16f, 0.19f);
  glUniform3f(glGetUniformLocation(grid_program_, "u_line_color"), 0.42f, 0.44f, 0.50f);
  glDepthMask(GL_FALSE);
  glBindVertexArray(grid_vao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  glDepthMask(GL_TRUE);
}

void SceneRenderer::draw_character(const Mat4& view_proj, const OrbitCamera& camera) {
  const motion::Vec3 light = motion::normalized(kLightDir);
  glUseProgram(skeleton_program_);
  set_mat4(skeleton_program_, "u_view_proj", view_proj);
  set_vec3(skeleton_program_, "u_light_dir", light);
  set_vec3(skeleton_program_, "u_eye", camera.eye());
  // Shadow: the same instances flattened onto the floor; the stencil darkens each pixel once where
  // the flattened pieces overlap.
  set_mat4(skeleton_program_, "u_ground", planar_shadow(light, 0.002));
  glUniform4f(glGetUniformLocation(skeleton_program_, "u_shadow_color"), 0, 0, 0, kShadowAlpha);
  glDisable(GL_DEPTH_TEST);
  glEnable(GL_STENCIL_TEST);
  glStencilFunc(GL_EQUAL, 0, 0xff);
  glStencilOp(GL_KEEP, GL_KEEP, GL_INCR);
  draw_instances(cylinder_, bones_);
  draw_instances(sphere_, spheres_);
  glDisable(GL_STENCIL_TEST);
  glEnable(GL_DEPTH_TEST);
  glDisable(GL_BLEND);
  set_mat4(skeleton_program_, "u_ground", identity());
  glUniform4f(glGetUniformLocation(skeleton_program_, "u_shadow_color"), 0, 0, 0, 0);
  draw_instances(cylinder_, bones_);
  draw_instances(sphere_, spheres_);
}

void SceneRenderer::draw(const Viewport& vp, const OrbitCamera& camera,
                         const std::array<motion::Vec3, motion::kNumJoints>& joints) {
  if (vp.width <= 0 || vp.height <= 0) return;
  glViewport(vp.x, vp.y, vp.width, vp.height);
  glEnable(GL_SCISSOR_TEST);
  glScissor(vp.x, vp.y, vp.width, vp.height);
  glClearColor(kBackgroundColor[0], kBackgroundColor[1], kBackgroundColor[2], 1);
  glClearStencil(0);
  glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT | GL_STENCIL_BUFFER_BIT);
  glDisable(GL_CULL_FACE);
  glEnable(GL_BLEND);
  glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
  glEnable(GL_DEPTH_TEST);
  glDepthFunc(GL_LESS);
  const double fov = 45.0 * std::numbers::pi / 180;
  const Mat4 view_proj = multiply(perspective(fov, double(vp.width) / vp.height, 0.05, 100.0), camera.view());
  skeleton_instances(joints, bones_, spheres_);
  draw_grid(view_proj, camera);
  draw_character(view_proj, camera);
  glUseProgram(0);
  glDisable(GL_DEPTH_TEST);
  glDisable(GL_SCISSOR_TEST);
}

}  // namespace e2m::ui
