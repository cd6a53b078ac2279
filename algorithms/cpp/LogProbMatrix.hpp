// The network's output for one line, as the search reads it.
#pragma once

#include <vector>

namespace tokenpassing {

/// T frames x C classes of natural-log probabilities, row-major, every value finite
/// (the bindings floor log 0). Class 0 is the blank.
struct LogProbMatrix {
    int frames = 0;
    int classes = 0;
    std::vector<double> values;

    const double* row(int t) const { return values.data() + static_cast<std::size_t>(t) * classes; }
};

}  // namespace tokenpassing
