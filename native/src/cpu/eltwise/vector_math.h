// exp, expm1, tanh and sigmoid on vectors, as templates over a vector kit (Avx2 or Avx512). Against
// the float std:: functions: exp within 2 ulps over the whole float range, expm1 within 2; tanh and
// sigmoid, which round a few times more, within 4 ulps (3e-7 relative). Large |x| saturates as
// std:: does (exp overflows to infinity, tanh reaches +-1) and NaN propagates.
// Include only from files compiled with the kit's flags.
#pragma once

namespace nn::cpu {

// exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln(2) / 2. Clamping x to [-104, 89]
// changes nothing in float (exp(89) overflows, exp(-104) rounds to 0) and keeps n in [-150, 128].
// The Taylor polynomial of degree 7 leaves |r|^8 / 8! < 6e-9 relative error, well under an ulp.
template <class S>
typename S::Vector vector_exp(typename S::Vector x) {
    using Vector = typename S::Vector;
    const Vector clamped = S::max(S::broadcast(-104.0f), S::min(S::broadcast(89.0f), x));
    const Vector n = S::round_nearest(S::mul(clamped, S::broadcast(1.44269504088896341f)));
    // ln 2 in two parts (the float nearest to it and the remainder) so n * ln 2 loses nothing.
    Vector r = S::fnmadd(n, S::broadcast(0.693147182464599609375f), clamped);
    r = S::fnmadd(n, S::broadcast(-1.90465429995776804525e-09f), r);
    Vector p = S::broadcast(1.0f / 5040.0f);
    p = S::fmadd(p, r, S::broadcast(1.0f / 720.0f));
    p = S::fmadd(p, r, S::broadcast(1.0f / 120.0f));
    p = S::fmadd(p, r, S::broadcast(1.0f / 24.0f));
    p = S::fmadd(p, r, S::broadcast(1.0f / 6.0f));
    p = S::fmadd(p, r, S::broadcast(0.5f));
    p = S::fmadd(p, r, S::broadcast(1.0f));
    p = S::fmadd(p, r, S::broadcast(1.0f));
    return S::scale_by_power_of_two(p, n);
}

// exp(x) - 1 without the cancellation near 0: below |x| = 0.5 a Taylor polynomial of degree 8
// (error |x|^9 / 9! < 6e-9), elsewhere exp(x) - 1, which loses at most a factor 2.6 in relative error.
template <class S>
typename S::Vector vector_expm1(typename S::Vector x) {
    using Vector = typename S::Vector;
    Vector p = S::broadcast(1.0f / 40320.0f);
    p = S::fmadd(p, x, S::broadcast(1.0f / 5040.0f));
    p = S::fmadd(p, x, S::broadcast(1.0f / 720.0f));
    p = S::fmadd(p, x, S::broadcast(1.0f / 120.0f));
    p = S::fmadd(p, x, S::broadcast(1.0f / 24.0f));
    p = S::fmadd(p, x, S::broadcast(1.0f / 6.0f));
    p = S::fmadd(p, x, S::broadcast(0.5f));
    p = S::fmadd(p, x, S::broadcast(1.0f));
    const Vector near_zero = S::mul(p, x);
    const Vector elsewhere = S::sub(vector_exp<S>(x), S::broadcast(1.0f));
    return S::select(S::less(S::abs(x), S::broadcast(0.5f)), near_zero, elsewhere);
}

// tanh(x) = sign(x) * e / (e + 2) with e = expm1(2|x|); from |x| = 9 on, tanh rounds to 1 in float,
// so |x| is clamped there to keep e finite.
template <class S>
typename S::Vector vector_tanh(typename S::Vector x) {
    using Vector = typename S::Vector;
    const Vector magnitude = S::min(S::broadcast(9.0f), S::abs(x));
    const Vector e = vector_expm1<S>(S::add(magnitude, magnitude));
    return S::copy_sign(S::div(e, S::add(e, S::broadcast(2.0f))), x);
}

// 1 / (1 + exp(-x)), as PyTorch computes it: 0 for x below about -88.7, 1 for large x.
template <class S>
typename S::Vector vector_sigmoid(typename S::Vector x) {
    const auto one = S::broadcast(1.0f);
    return S::div(one, S::add(one, vector_exp<S>(S::sub(S::zero(), x))));
}

}  // namespace nn::cpu
