// The sequential part of a Bidirectional LSTM layer for the page's fused engine (bilstm.js):
// h_t -> h_t+1 for one direction over a whole line, in WebAssembly with 128-bit SIMD
// (built with the token passing decoder by demo/web/build_wasm.py).
//
// Why here and not in JavaScript: the recurrence is most of a line's arithmetic that
// cannot be batched over time (per step and direction a (4H x H) matrix times a vector),
// and JavaScript has no SIMD: with the recurrence here instead of in JavaScript loops the
// page's CPU time per line fell from 120 to 30 ms (benchmarks/bench_web.py, 300 IAM-OnDB
// lines). Same equations as Keras (gate order i, f, c, o; sigmoid and tanh); float32
// products summed in float32 over 4 lanes, 4 rows at a time; the gates 4 units at a time,
// with exp as a polynomial (Cephes's expf, within 2 float32 ulp): with libm's exp and tanh
// one unit at a time a 200-frame line's recurrence took 35 to 57 ms in Node under load,
// against 22 ms.
#include <wasm_simd128.h>

#include <initializer_list>

namespace {

/// e^x on 4 lanes: x = n ln 2 + r, e^r by a polynomial, 2^n into the exponent.
inline v128_t exp4(v128_t x) {
    x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.3f)), wasm_f32x4_splat(88.3f));
    const v128_t n = wasm_f32x4_floor(wasm_f32x4_add(
        wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), wasm_f32x4_splat(0.5f)));
    x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
    x = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
    v128_t y = wasm_f32x4_splat(1.9875691500e-4f);
    for (const float p : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f,
                          1.6666665459e-1f, 5.0000001201e-1f})
        y = wasm_f32x4_add(wasm_f32x4_mul(y, x), wasm_f32x4_splat(p));
    y = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(y, wasm_f32x4_mul(x, x)), x),
                       wasm_f32x4_splat(1.0f));
    const v128_t scale = wasm_i32x4_shl(
        wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_f32x4_mul(y, scale);
}

inline v128_t sigmoid4(v128_t x) {
    const v128_t one = wasm_f32x4_splat(1.0f);
    return wasm_f32x4_div(one, wasm_f32x4_add(one, exp4(wasm_f32x4_neg(x))));
}

/// tanh x = 2 sigmoid(2x) - 1: absolute error within float32 rounding of 1.
inline v128_t tanh4(v128_t x) {
    return wasm_f32x4_sub(wasm_f32x4_mul(wasm_f32x4_splat(2.0f),
                                         sigmoid4(wasm_f32x4_add(x, x))),
                          wasm_f32x4_splat(1.0f));
}

inline float laneSum(v128_t v) {
    return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
           wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

}  // namespace

extern "C" {

/// One direction of one LSTM layer over `frames` steps, writing its half of `out`.
/// projected: (frames, 8 units) input projections plus bias, the forward direction's 4H
/// gates then the backward's; recurrent: (4 units, units), row j the recurrent weights of
/// gate unit j (Keras's recurrent kernel transposed); units: a multiple of 4; half: 0
/// forward (t = 0, 1, ...), 1 backward (t = T - 1, ...); out: (frames, 2 units), this
/// direction's units at [half * units, (half + 1) * units) of each row; state: 6 units
/// floats of working memory (h, c, the 4H gate inputs).
void lstm_direction(const float* projected, const float* recurrent, int frames, int units,
                    int half, float* out, float* state) {
    const int gates = 4 * units;
    float* h = state;
    float* c = state + units;
    float* z = state + 2 * units;
    for (int u = 0; u < 2 * units; ++u) state[u] = 0.0f;
    for (int step = 0; step < frames; ++step) {
        const int t = half ? frames - 1 - step : step;
        const float* x = projected + static_cast<long>(t) * 2 * gates + half * gates;
        for (int j = 0; j < gates; j += 4) {  // z = x W + b (precomputed) + h U, 4 rows at once
            const float* row = recurrent + static_cast<long>(j) * units;
            v128_t a0 = wasm_f32x4_splat(0.0f), a1 = a0, a2 = a0, a3 = a0;
            for (int k = 0; k < units; k += 4) {
                const v128_t hv = wasm_v128_load(h + k);
                a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(hv, wasm_v128_load(row + k)));
                a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(hv, wasm_v128_load(row + units + k)));
                a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(hv, wasm_v128_load(row + 2 * units + k)));
                a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(hv, wasm_v128_load(row + 3 * units + k)));
            }
            z[j] = x[j] + laneSum(a0);
            z[j + 1] = x[j + 1] + laneSum(a1);
            z[j + 2] = x[j + 2] + laneSum(a2);
            z[j + 3] = x[j + 3] + laneSum(a3);
        }
        float* o = out + static_cast<long>(t) * 2 * units + half * units;
        for (int u = 0; u < units; u += 4) {  // Keras gate order: input, forget, cell, output
            const v128_t input = sigmoid4(wasm_v128_load(z + u));
            const v128_t forget = sigmoid4(wasm_v128_load(z + units + u));
            const v128_t cell = tanh4(wasm_v128_load(z + 2 * units + u));
            const v128_t output = sigmoid4(wasm_v128_load(z + 3 * units + u));
            const v128_t cu = wasm_f32x4_add(wasm_f32x4_mul(forget, wasm_v128_load(c + u)),
                                             wasm_f32x4_mul(input, cell));
            const v128_t hu = wasm_f32x4_mul(output, tanh4(cu));
            wasm_v128_store(c + u, cu);
            wasm_v128_store(h + u, hu);
            wasm_v128_store(o + u, hu);
        }
    }
}

}  // extern "C"
