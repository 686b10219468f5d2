#version 330 core
// Lambert light from one direction, a soft ambient and a rim so the silhouette reads against the
// dark background; the shadow pass draws one flat translucent colour instead.
in vec3 v_normal;
in vec3 v_world;
in vec4 v_color;

uniform vec3 u_light_dir;     // unit vector towards the light
uniform vec3 u_eye;           // camera position
uniform vec4 u_shadow_color;  // alpha > 0: the shadow pass

out vec4 frag_color;

void main() {
  if (u_shadow_color.a > 0.0) {
    frag_color = u_shadow_color;
    return;
  }
  vec3 n = normalize(v_normal);
  float diffuse = max(dot(n, u_light_dir), 0.0);
  float rim = pow(1.0 - max(dot(n, normalize(u_eye - v_world)), 0.0), 3.0);
  frag_color = vec4(v_color.rgb * (0.3 + 0.7 * diffuse) + 0.2 * rim, v_color.a);
}
