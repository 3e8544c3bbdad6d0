#include "verdict.h"

#include <cstdlib>
#include <fstream>

static std::string feedback_dir = ".";

void set_feedback_dir(const std::string &dir) { feedback_dir = dir; }

void accept_output() { std::exit(42); }

void reject_output(const std::string &why) {
    std::ofstream(feedback_dir + "/judgemessage.txt") << why << '\n';
    std::exit(43);
}
