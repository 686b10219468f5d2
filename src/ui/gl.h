// OpenGL 3.3 core declarations for our own drawing code. libGL on Linux (GLVND, Mesa) exports every
// core entry point, so no loader is needed; Dear ImGui's OpenGL backend keeps its own in its file.
#pragma once
#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/glcorearb.h>
