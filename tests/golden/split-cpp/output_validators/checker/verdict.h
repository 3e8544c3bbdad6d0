// Kattis exit codes and the feedback file, shared by the checker's sources.
#pragma once
#include <string>

[[noreturn]] void accept_output();
[[noreturn]] void reject_output(const std::string &why);
void set_feedback_dir(const std::string &dir);
