#version 330 core
// Grid lines every 0.25 m and 1 m, one pixel wide at any distance (fwidth), fading out at the edge
// of the square so its border never shows.
in vec2 v_ground;

uniform vec2 u_center;
uniform float u_radius;
uniform vec3 u_floor_color;
uniform vec3 u_line_color;

out vec4 frag_color;

float grid_lines(vec2 p, float spacing) {
  vec2 q = p / spacing;
  vec2 d = abs(fract(q - 0.5) - 0.5) / fwidth(q);
  return 1.0 - min(min(d.x, d.y), 1.0);
}

void main() {
  float minor = grid_lines(v_ground, 0.25);
  float major = grid_lines(v_ground, 1.0);
  float fade = 1.0 - smoothstep(0.5 * u_radius, u_radius, length(v_ground - u_center));
  vec3 c = mix(u_floor_color, u_line_color, max(0.35 * minor, major));
  frag_color = vec4(c, fade);
}
