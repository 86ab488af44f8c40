// oneDNN-style dispatch: an op family lists its implementations in preference order (fastest
// first, reference last). The first one whose level is active and that supports the problem
// runs; one that declines gives a reason, printed when NATIVENN_VERBOSE=1.
#pragma once

#include <cstddef>

#include "core/isa.h"
#include "core/log.h"

namespace nn::core {

template <class Problem>
struct Implementation {
    const char* name;  // e.g. "gemm_avx512"
    Isa isa;           // level the code needs
    // Returns nullptr when it can run the problem, else a short reason ("K < 16: packing does not pay").
    const char* (*declines)(const Problem& problem);
    void (*run)(const Problem& problem);
};

// Runs the first implementation that fits; the list must end with one that never declines.
template <class Problem, std::size_t Count>
void dispatch(const char* op, const Implementation<Problem> (&implementations)[Count], const Problem& problem) {
    const Isa level = active_isa();
    for (const auto& implementation : implementations) {
        if (static_cast<int>(implementation.isa) > static_cast<int>(level)) {
            verbose_log("%s: %s skipped: needs %s, active level is %s", op, implementation.name,
                        isa_name(implementation.isa), isa_name(level));
            continue;
        }
        if (implementation.declines != nullptr) {
            if (const char* reason = implementation.declines(problem)) {
                verbose_log("%s: %s declined: %s", op, implementation.name, reason);
                continue;
            }
        }
        verbose_log("%s: %s runs", op, implementation.name);
        implementation.run(problem);
        return;
    }
    throw_internal("%s: no implementation accepted the problem", op);
}

}  // namespace nn::core
