// The `cxxprof` program. Everything is in run_cxxprof (tools/cxxprof_command.h).
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "tools/cxxprof_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int status;
  try {
    status = cxxprof::run_cxxprof(args, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "cxxprof: " << e.what() << "\n";
    return 1;
  }
  std::cout.flush();
  // A closed or full stdout (disk full on `cxxprof dump > file`) is an error.
  if (!std::cout && status == 0) {
    std::cerr << "cxxprof: error writing the output\n";
    status = 1;
  }
  return status;
}
