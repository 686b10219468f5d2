// The e2m subcommands: each lives in its own cmd_<name>.cpp, parses its flags, calls the libraries
// and prints. Errors are e2m::Error thrown from the libraries and caught in main.
#pragma once

namespace e2m::app {

// Every command takes argv with argv[0] = "e2m <name>" and returns the process exit code.
using CommandFn = int (*)(int argc, char** argv);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

int cmd_import(int argc, char** argv);
int cmd_export(int argc, char** argv);
int cmd_render(int argc, char** argv);
int cmd_features(int argc, char** argv);
int cmd_devices(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_launch(int argc, char** argv);
int cmd_text(int argc, char** argv);
int cmd_dance(int argc, char** argv);
int cmd_beats(int argc, char** argv);
int cmd_live(int argc, char** argv);
int cmd_eval(int argc, char** argv);

}  // namespace e2m::app
