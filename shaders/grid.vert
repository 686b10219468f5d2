#version 330 core
// The ground: one square on y = 0 centred under the camera's target, so the grid never ends in view.
layout(location = 0) in vec2 a_corner;  // -1..1

uniform mat4 u_view_proj;
uniform vec2 u_center;  // metres, x and z
uniform float u_radius;

out vec2 v_ground;

void main() {
  v_ground = u_center + a_corner * u_radius;
  gl_Position = u_view_proj * vec4(v_ground.x, 0.0, v_ground.y, 1.0);
}
