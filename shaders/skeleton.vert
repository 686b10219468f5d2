#version 330 core
// The monitor's character: instanced unit cylinders (bones) and unit spheres (joints), one model
// matrix and colour per instance. u_ground flattens it onto the floor for its shadow.
layout(location = 0) in vec3 a_position;
layout(location = 1) in vec3 a_normal;
layout(location = 2) in mat4 a_model;  // locations 2 to 5
layout(location = 6) in vec4 a_color;

uniform mat4 u_view_proj;
uniform mat4 u_ground;  // identity for the body, the planar shadow projection for its shadow

out vec3 v_normal;
out vec3 v_world;
out vec4 v_color;

void main() {
  vec4 world = u_ground * a_model * vec4(a_position, 1.0);
  v_world = world.xyz / world.w;
  // Cylinders are scaled unevenly: normals take the inverse transpose.
  v_normal = transpose(inverse(mat3(a_model))) * a_normal;
  v_color = a_color;
  gl_Position = u_view_proj * world;
}
