// cxxprof-run: profile an unmodified program. See launcher/launcher.h and cxxprof-run(1).
#include "launcher/launcher.h"

int main(int argc, char** argv) { return cxxprof::run_launcher(argc, argv); }
