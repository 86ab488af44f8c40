// A [M,K] (or [K,M] if transposed), B [K,N] (or [N,K] if transposed) -> C [M,N]
// gemm_avx2 and gemm_avx512 against gemm_reference on awkward shapes, both transpose flags,
// padded leading dimensions, alpha/beta special cases and 1 or 2 threads.
#include <gtest/gtest.h>
#include <omp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "core/isa.h"
#include "core/log.h"
#include "core/parallel.h"
#include "cpu/gemm/gemm.h"

namespace {

using nn::cpu::GemmProblem;

const float nan_value = std::numeric_limits<float>::quiet_NaN();
// Written into the padding of C (columns past N): any write there is a bug.
const float padding_sentinel = 12345.0f;

struct Shape {
    bool transpose_a;
    bool transpose_b;
    int64_t m;
    int64_t n;
    int64_t k;
    float alpha;
    float beta;
    int64_t padding;  // added to every leading dimension
};

std::string describe(const Shape& s) {
    return "M=" + std::to_string(s.m) + " N=" + std::to_string(s.n) + " K=" + std::to_string(s.k) +
           " transpose_a=" + std::to_string(s.transpose_a) + " transpose_b=" + std::to_string(s.transpose_b) +
           " alpha=" + std::to_string(s.alpha) + " beta=" + std::to_string(s.beta) +
           " padding=" + std::to_string(s.padding);
}

// Operands of one case. Padding of A and B holds NaN, so a kernel that reads past a row fails.
struct Operands {
    Shape shape;
    int64_t lda, ldb, ldc;
    std::vector<float> a, b, c;
    float max_a = 0.0f, max_b = 0.0f, max_c = 0.0f;

    explicit Operands(const Shape& s, uint32_t seed) : shape(s) {
        const int64_t a_rows = s.transpose_a ? s.k : s.m;
        const int64_t a_columns = s.transpose_a ? s.m : s.k;
        const int64_t b_rows = s.transpose_b ? s.n : s.k;
        const int64_t b_columns = s.transpose_b ? s.k : s.n;
        lda = std::max<int64_t>(a_columns, 1) + s.padding;
        ldb = std::max<int64_t>(b_columns, 1) + s.padding;
        ldc = std::max<int64_t>(s.n, 1) + s.padding;
        std::mt19937 generator(seed);
        std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
        max_a = fill(a, a_rows, a_columns, lda, generator, uniform, nan_value);
        max_b = fill(b, b_rows, b_columns, ldb, generator, uniform, nan_value);
        max_c = fill(c, s.m, s.n, ldc, generator, uniform, padding_sentinel);
        // beta == 0 must not read C: NaN there must not reach the result.
        if (s.beta == 0.0f) {
            for (int64_t i = 0; i < s.m; ++i) std::fill_n(c.begin() + i * ldc, s.n, nan_value);
            max_c = 0.0f;
        }
    }

    static float fill(std::vector<float>& data, int64_t rows, int64_t columns, int64_t ld, std::mt19937& generator,
                      std::uniform_real_distribution<float>& uniform, float padding) {
        data.assign(static_cast<std::size_t>(std::max<int64_t>(rows * ld, 1)), padding);
        float largest = 0.0f;
        for (int64_t i = 0; i < rows; ++i) {
            for (int64_t j = 0; j < columns; ++j) {
                const float value = uniform(generator);
                data[i * ld + j] = value;
                largest = std::max(largest, std::fabs(value));
            }
        }
        return largest;
    }

    GemmProblem problem(std::vector<float>& output, float alpha) const {
        GemmProblem p;
        p.transpose_a = shape.transpose_a;
        p.transpose_b = shape.transpose_b;
        p.m = shape.m;
        p.n = shape.n;
        p.k = shape.k;
        p.alpha = alpha;
        p.a = a.data();
        p.lda = lda;
        p.b = b.data();
        p.ldb = ldb;
        p.beta = shape.beta;
        p.c = output.data();
        p.ldc = ldc;
        return p;
    }

    // Float sums of K products differ by order; the error grows at most linearly with K.
    float tolerance() const {
        return 1e-5f * static_cast<float>(std::max<int64_t>(shape.k, 1)) * max_a * max_b * std::fabs(shape.alpha) +
               1e-6f * std::fabs(shape.beta) * max_c + 1e-30f;
    }
};

// Empty when `actual` matches `expected` within tolerance everywhere and the padding of C is
// untouched; otherwise a description of the first mismatch.
std::string compare(const Operands& operands, const std::vector<float>& expected, const std::vector<float>& actual) {
    const Shape& s = operands.shape;
    const float tolerance = operands.tolerance();
    for (int64_t i = 0; i < s.m; ++i) {
        for (int64_t j = 0; j < operands.ldc; ++j) {
            const float e = expected[i * operands.ldc + j];
            const float x = actual[i * operands.ldc + j];
            const bool in_padding = j >= s.n;
            const bool ok = in_padding ? x == padding_sentinel : std::isfinite(x) && std::fabs(x - e) <= tolerance;
            if (!ok) {
                return describe(s) + ": C[" + std::to_string(i) + "," + std::to_string(j) + "] = " + std::to_string(x) +
                       ", reference " + std::to_string(e) + ", tolerance " + std::to_string(tolerance) +
                       (in_padding ? " (padding written)" : "");
            }
        }
    }
    return {};
}

using GemmFunction = void (*)(const GemmProblem&);

struct Implementation {
    const char* name;
    GemmFunction run;
    nn::core::Isa isa;
};

void PrintTo(const Implementation& implementation, std::ostream* out) { *out << implementation.name; }

std::string check(GemmFunction run, const Shape& shape, uint32_t seed, float alpha_used_by_run) {
    const Operands operands(shape, seed);
    std::vector<float> expected = operands.c;
    nn::cpu::gemm_reference(operands.problem(expected, shape.alpha));
    std::vector<float> actual = operands.c;
    run(operands.problem(actual, alpha_used_by_run));
    return compare(operands, expected, actual);
}

class ThreadCount {
public:
    explicit ThreadCount(int count) : saved_(nn::core::num_threads()) { nn::core::set_num_threads(count); }
    ~ThreadCount() { nn::core::set_num_threads(saved_); }

private:
    int saved_;
};

// The sizes the brief of this family names: 1, powers of two and their neighbours, primes.
const int64_t sizes[] = {1, 2, 3, 7, 15, 16, 17, 31, 33, 64, 97, 127, 130, 257};
const float alphas[] = {1.0f, 0.5f, -2.0f};
const float betas[] = {0.0f, 1.0f, 0.25f};

// A sample of the size cube: every size on the diagonal, every size in each position beside two
// fixed odd sizes, and random triples; alpha, beta and padding cycle so each pairing appears.
std::vector<Shape> sampled_shapes() {
    std::vector<std::array<int64_t, 3>> triples;
    for (int64_t size : sizes) {
        triples.push_back({size, size, size});
        triples.push_back({size, 17, 33});
        triples.push_back({33, size, 17});
        triples.push_back({17, 33, size});
    }
    std::mt19937 generator(2026);
    std::uniform_int_distribution<std::size_t> pick(0, std::size(sizes) - 1);
    for (int index = 0; index < 24; ++index) triples.push_back({sizes[pick(generator)], sizes[pick(generator)], sizes[pick(generator)]});

    std::vector<Shape> shapes;
    int counter = 0;
    for (const auto& t : triples) {
        for (int flags = 0; flags < 4; ++flags) {
            const float alpha = alphas[counter % 3];
            const float beta = betas[(counter / 3) % 3];
            const int64_t padding = (counter % 4 == 0) ? 0 : 1 + counter % 5;
            shapes.push_back({(flags & 1) != 0, (flags & 2) != 0, t[0], t[1], t[2], alpha, beta, padding});
            ++counter;
        }
    }
    return shapes;
}

class GemmImplementationTest : public ::testing::TestWithParam<Implementation> {
protected:
    void SetUp() override {
        if (!nn::core::cpu_supports(GetParam().isa)) {
            GTEST_SKIP() << "this CPU cannot run " << nn::core::isa_name(GetParam().isa) << " code";
        }
    }

    void expect_match(const Shape& shape, uint32_t seed) {
        const std::string failure = check(GetParam().run, shape, seed, shape.alpha);
        EXPECT_TRUE(failure.empty()) << GetParam().name << ": " << failure;
    }
};

TEST_P(GemmImplementationTest, MatchesReferenceOnSampledShapesOneThread) {
    ThreadCount threads(1);
    uint32_t seed = 1;
    for (const Shape& shape : sampled_shapes()) expect_match(shape, seed++);
}

TEST_P(GemmImplementationTest, MatchesReferenceOnSampledShapesTwoThreads) {
    ThreadCount threads(2);
    uint32_t seed = 1000;
    for (const Shape& shape : sampled_shapes()) expect_match(shape, seed++);
}

TEST_P(GemmImplementationTest, EveryAlphaAndBetaWithEveryTransposition) {
    for (int thread_count : {1, 2}) {
        ThreadCount threads(thread_count);
        for (int flags = 0; flags < 4; ++flags) {
            for (float alpha : alphas) {
                for (float beta : betas) {
                    expect_match({(flags & 1) != 0, (flags & 2) != 0, 97, 130, 127, alpha, beta, 3}, 7);
                }
            }
        }
    }
}

// Deeper than one K block, wider than one N panel, taller than one M block, and short-wide
// shapes that make two threads split the columns instead of the rows.
TEST_P(GemmImplementationTest, MatchesReferenceAcrossBlockBoundaries) {
    // Sizes above 2 M multiply-adds, so two threads really split them (smaller runs on one).
    const Shape shapes[] = {
        {false, false, 33, 80, 1000, 0.5f, 0.25f, 2}, {true, true, 33, 70, 1000, 1.0f, 0.0f, 0},
        {false, true, 17, 3100, 50, -2.0f, 1.0f, 1},  {true, false, 7, 3100, 100, 1.0f, 0.0f, 0},
        {false, false, 600, 33, 128, 1.0f, 0.25f, 5}, {true, true, 600, 33, 128, 0.5f, 0.0f, 0},
        {false, true, 9, 1030, 257, 1.0f, 0.0f, 3},   {true, false, 3, 2000, 400, -2.0f, 0.25f, 0},
        {false, false, 4, 520, 1100, 1.0f, 1.0f, 1},  {false, true, 9, 120, 2100, 0.5f, 0.25f, 2},
        {true, true, 300, 100, 1500, 1.0f, 0.0f, 1},
    };

    for (int thread_count : {1, 2}) {
        ThreadCount threads(thread_count);
        for (const Shape& shape : shapes) expect_match(shape, 11);
    }
}

// Threads that run ahead into the next pass over K or the next NC block must not disturb panels
// another thread still reads; such races show only now and then, so each shape runs many times.
TEST_P(GemmImplementationTest, TwoThreadsAgreeRunAfterRun) {
    ThreadCount threads(2);
    const Shape shapes[] = {
        {false, true, 9, 1030, 257, 1.0f, 0.0f, 0},   // columns split, two passes over K (AVX2)
        {false, true, 9, 120, 2100, 1.0f, 0.25f, 0},  // columns split, three passes over K
        {false, true, 17, 3150, 50, 1.0f, 0.0f, 0},   // columns split, NC blocks of 50 and 49 panels
        {false, false, 600, 33, 2100, 1.0f, 0.0f, 0}, // rows split, shared B panel, three passes
    };
    for (const Shape& shape : shapes) {
        const Operands operands(shape, 71);
        std::vector<float> expected = operands.c;
        nn::cpu::gemm_reference(operands.problem(expected, shape.alpha));
        int failures = 0;
        std::string first_failure;
        for (int run = 0; run < 100; ++run) {
            std::vector<float> actual = operands.c;
            GetParam().run(operands.problem(actual, shape.alpha));
            const std::string failure = compare(operands, expected, actual);
            if (!failure.empty() && failures++ == 0) first_failure = failure;
        }
        EXPECT_EQ(failures, 0) << GetParam().name << ": " << first_failure;
    }
}

TEST_P(GemmImplementationTest, LeNetShapesAndTheirTransposes) {
    // Linear forward y = x W^T, and backward dx = dy W, dW = dy^T x, for LeNet's three layers.
    const int64_t layers[][3] = {{64, 120, 400}, {64, 84, 120}, {64, 10, 84}};
    for (int thread_count : {1, 2}) {
        ThreadCount threads(thread_count);
        for (const auto& layer : layers) {
            const int64_t batch = layer[0], out = layer[1], in = layer[2];
            expect_match({false, true, batch, out, in, 1.0f, 0.0f, 0}, 21);
            expect_match({false, false, batch, in, out, 1.0f, 0.0f, 0}, 22);
            expect_match({true, false, out, in, batch, 1.0f, 1.0f, 0}, 23);
        }
    }
}

TEST_P(GemmImplementationTest, ZeroSizes) {
    for (int flags = 0; flags < 4; ++flags) {
        for (float beta : betas) {
            const bool ta = (flags & 1) != 0, tb = (flags & 2) != 0;
            // K == 0: C = beta * C, and with beta == 0 the NaN in C becomes 0.
            expect_match({ta, tb, 5, 7, 0, 1.0f, beta, 2}, 31);
            expect_match({ta, tb, 0, 7, 5, 1.0f, beta, 2}, 32);
            expect_match({ta, tb, 5, 0, 5, 1.0f, beta, 2}, 33);
            expect_match({ta, tb, 0, 0, 0, 1.0f, beta, 0}, 34);
            // alpha == 0 does not read A or B.
            expect_match({ta, tb, 9, 17, 5, 0.0f, beta, 1}, 35);
        }
    }
}

// The tolerance must be tight enough to see a small mistake: a slightly different alpha, or a
// sum that drops one term of K.
TEST_P(GemmImplementationTest, ToleranceCatchesSmallMistakes) {
    const Shape shape = {false, true, 31, 33, 257, 1.0f, 0.25f, 1};
    EXPECT_FALSE(check(GetParam().run, shape, 41, shape.alpha * 1.01f).empty());

    Shape shorter = shape;
    shorter.k = shape.k - 1;
    const Operands operands(shape, 42);
    std::vector<float> expected = operands.c;
    nn::cpu::gemm_reference(operands.problem(expected, shape.alpha));
    std::vector<float> actual = operands.c;
    GemmProblem missing_term = operands.problem(actual, shape.alpha);
    missing_term.k = shorter.k;
    GetParam().run(missing_term);
    EXPECT_FALSE(compare(operands, expected, actual).empty());
}

// A buffer whose last float sits just before an inaccessible page, so reading or writing one
// element past the end faults instead of passing silently.
class GuardedFloats {
public:
    explicit GuardedFloats(std::size_t count) {
        const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
        const std::size_t bytes = (count * sizeof(float) + page - 1) / page * page;
        size_ = bytes + page;
        void* memory = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (memory == MAP_FAILED) throw std::bad_alloc();
        base_ = static_cast<char*>(memory);
        mprotect(base_ + bytes, page, PROT_NONE);
        data_ = reinterpret_cast<float*>(base_ + bytes) - count;
    }
    GuardedFloats(const GuardedFloats&) = delete;
    GuardedFloats& operator=(const GuardedFloats&) = delete;
    ~GuardedFloats() { munmap(base_, size_); }
    float* data() const { return data_; }

private:
    char* base_ = nullptr;
    std::size_t size_ = 0;
    float* data_ = nullptr;
};

// Edge tiles and operands read in place end exactly at a guard page: a kernel that touches one
// float past A, B or C crashes the test.
TEST_P(GemmImplementationTest, TouchesNothingPastTheOperands) {
    const int64_t shapes[][3] = {{1, 1, 1}, {7, 10, 84}, {13, 17, 5}, {64, 10, 84}, {5, 33, 200}, {25, 47, 9}};
    for (const auto& shape : shapes) {
        for (int flags = 0; flags < 4; ++flags) {
            Shape s = {(flags & 1) != 0, (flags & 2) != 0, shape[0], shape[1], shape[2], 1.0f, 0.5f, 0};
            const Operands operands(s, 61);
            GuardedFloats a(operands.a.size()), b(operands.b.size()), c(operands.c.size());
            std::copy(operands.a.begin(), operands.a.end(), a.data());
            std::copy(operands.b.begin(), operands.b.end(), b.data());
            std::copy(operands.c.begin(), operands.c.end(), c.data());
            std::vector<float> expected = operands.c;
            nn::cpu::gemm_reference(operands.problem(expected, s.alpha));
            std::vector<float> unused;
            GemmProblem p = operands.problem(unused, s.alpha);
            p.a = a.data();
            p.b = b.data();
            p.c = c.data();
            GetParam().run(p);
            const std::vector<float> actual(c.data(), c.data() + operands.c.size());
            const std::string failure = compare(operands, expected, actual);
            EXPECT_TRUE(failure.empty()) << GetParam().name << ": " << failure;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Gemm, GemmImplementationTest,
                         ::testing::Values(Implementation{"gemm_avx2", nn::cpu::gemm_avx2, nn::core::Isa::Avx2},
                                           Implementation{"gemm_avx512", nn::cpu::gemm_avx512, nn::core::Isa::Avx512}),
                         [](const ::testing::TestParamInfo<Implementation>& info) { return std::string(info.param.name); });

TEST(GemmReference, SmallHandComputedProduct) {
    // [1 2; 3 4] * [5 6; 7 8] = [19 22; 43 50]; then 2 * that + 0.5 * C.
    const float a[] = {1, 2, 3, 4};
    const float b[] = {5, 6, 7, 8};
    float c[] = {2, 2, 2, 2};
    GemmProblem p;
    p.m = p.n = p.k = 2;
    p.a = a;
    p.lda = 2;
    p.b = b;
    p.ldb = 2;
    p.c = c;
    p.ldc = 2;
    p.alpha = 2.0f;
    p.beta = 0.5f;
    nn::cpu::gemm_reference(p);
    EXPECT_EQ(c[0], 39.0f);
    EXPECT_EQ(c[1], 45.0f);
    EXPECT_EQ(c[2], 87.0f);
    EXPECT_EQ(c[3], 101.0f);

    // Transposed A and B read the same storage as columns: A^T B^T = (BA)^T.
    float d[4];
    p.transpose_a = p.transpose_b = true;
    p.c = d;
    p.alpha = 1.0f;
    p.beta = 0.0f;
    nn::cpu::gemm_reference(p);
    EXPECT_EQ(d[0], 23.0f);  // (1*5 + 3*6)
    EXPECT_EQ(d[1], 31.0f);  // (1*7 + 3*8)
    EXPECT_EQ(d[2], 34.0f);  // (2*5 + 4*6)
    EXPECT_EQ(d[3], 46.0f);  // (2*7 + 4*8)
}

TEST(GemmEntry, DispatchMatchesReference) {
    const Shape shape = {false, true, 64, 120, 400, 1.0f, 0.0f, 0};
    EXPECT_TRUE(check(nn::cpu::gemm, shape, 51, shape.alpha).empty());
}

TEST(GemmEntry, RejectsLeadingDimensionsThatAreTooSmall) {
    std::vector<float> a(12), b(12), c(12);
    GemmProblem p;
    p.m = 3;
    p.n = 4;
    p.k = 3;
    p.a = a.data();
    p.lda = 2;  // a row of A holds K = 3 values
    p.b = b.data();
    p.ldb = 4;
    p.c = c.data();
    p.ldc = 4;
    try {
        nn::cpu::gemm(p);
        FAIL() << "lda smaller than K was accepted";
    } catch (const nn::core::Error& error) {
        EXPECT_EQ(error.status(), NN_ERROR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(error.what()).find("lda"), std::string::npos) << error.what();
    }
}

}  // namespace

// A caller already inside an OpenMP region (a kernel parallel over images, say) must still get all
// of C: a nested team has one thread, so the product runs on the calling thread.
TEST(GemmInsideParallelRegion, EveryThreadGetsItsWholeProduct) {
    const int64_t size = 256;
    std::vector<float> a(size * size), b(size * size);
    for (int64_t index = 0; index < size * size; ++index) {
        a[index] = static_cast<float>((index * 7) % 13) - 6.0f;
        b[index] = static_cast<float>((index * 5) % 11) - 5.0f;
    }
    std::vector<float> expected(size * size);
    nn::cpu::GemmProblem reference_problem;
    reference_problem.m = reference_problem.n = reference_problem.k = size;
    reference_problem.a = a.data();
    reference_problem.lda = size;
    reference_problem.b = b.data();
    reference_problem.ldb = size;
    reference_problem.c = expected.data();
    reference_problem.ldc = size;
    nn::cpu::gemm_reference(reference_problem);
    const int previous = nn::core::num_threads();
    nn::core::set_num_threads(2);
    std::vector<std::vector<float>> results(2, std::vector<float>(size * size, -1.0f));
#pragma omp parallel num_threads(2)
    {
        nn::cpu::GemmProblem problem = reference_problem;
        problem.c = results[static_cast<size_t>(omp_get_thread_num())].data();
        nn::cpu::gemm(problem);
    }
    nn::core::set_num_threads(previous);
    for (const auto& result : results) {
        int64_t wrong = 0;
        for (int64_t index = 0; index < size * size; ++index) {
            if (std::fabs(result[index] - expected[index]) > 1e-3f * std::fabs(expected[index]) + 1e-3f) ++wrong;
        }
        EXPECT_EQ(wrong, 0);
    }
}
