// checker input_file judge_answer_file feedback_dir [flags...] < team_output
#include <cctype>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "verdict.h"

static bool is_integer(const std::string &token) {
    size_t start = (token[0] == '+' || token[0] == '-') ? 1 : 0;
    if (start == token.size() || token.size() > 30) return false;
    for (size_t i = start; i < token.size(); i++)
        if (!std::isdigit(static_cast<unsigned char>(token[i]))) return false;
    return true;
}

int main(int argc, char **argv) {
    if (argc < 4) return 1;
    set_feedback_dir(argv[3]);
    bool exact = false;
    for (int i = 4; i < argc; i++) exact = exact || std::string(argv[i]) == "exact_tokens";
    long long target = 0;
    std::ifstream(argv[1]) >> target;
    std::vector<std::string> tokens;
    for (std::string token; std::cin >> token;) tokens.push_back(token);
    if (tokens.size() < 2) reject_output("expected two integers");
    if (!is_integer(tokens[0]) || !is_integer(tokens[1])) reject_output("not integers");
    long long a = std::stoll(tokens[0]), b = std::stoll(tokens[1]);
    if (a <= 0 || b <= 0) reject_output("both numbers must be positive");
    if (a == b) reject_output("the numbers must differ");
    if (a + b != target) reject_output("the sum is wrong");
    if (exact && tokens.size() != 2) reject_output("extra output after the two numbers");
    accept_output();
}
