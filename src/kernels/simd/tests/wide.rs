//! The 16-lane form against the 8-lane one, bit for bit: every `Lanes` method and the vector
//! maths lane by lane on edge and random values, then the shared loops (`zip4`, `update4`,
//! `sum4`, `row_sum!`, `each_lane!`, `row_max`) over every tail length. `wide`'s `f32x16` is
//! one AVX-512 register in builds with AVX-512 and two 8-lane halves otherwise; these tests
//! run in either. In a build that chooses its lanes at run time the same checks hold the
//! AVX-512 form (`Z16`) to the AVX2 one (`Y8`), on a CPU that has AVX-512.

use wide::{f32x16, f32x8};

use crate::kernels::simd::generic::row_max_on;
use crate::kernels::simd::padded::{sum4_on, update4_on, zip4_on};
use crate::kernels::simd::testing::{values, EDGES};
use crate::kernels::simd::{each_lane_in, row_sum_in, Lane4, Lanes, Splat, Vector, NONE};
use crate::kernels::vmath::lanes as vm;
use crate::kernels::Acc;

/// Triples of 16 inputs: edge values against each other and random values of several scales.
fn inputs() -> Vec<[[f32; 16]; 3]> {
    let mut pool: Vec<f32> = EDGES.to_vec();
    for (seed, scale) in [(1, 1.0), (2, 10.0), (3, 100.0), (4, 1e-3), (5, 1e4)] {
        pool.extend(values(64, seed, scale));
    }
    let at = |k: usize| pool[k % pool.len()];
    (0..pool.len() * 3)
        .map(|t| std::array::from_fn(|j| std::array::from_fn(|l| at(t * (j + 1) + 7 * l + j))))
        .collect()
}

/// Equal bits, or both NaN (payloads aside).
fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// Evaluates `$e` (in the lanes `$V`, operands `$a $b $c`) with `$V = $W` (16 lanes) and on
/// each half with `$V = $E` (8 lanes), and asserts the same bits in every lane.
macro_rules! same_lanes {
    ($W:ty, $E:ty, $what:expr, |$V:ident, $a:ident, $b:ident, $c:ident| $e:expr) => {
        for [xa, xb, xc] in inputs() {
            let wide = {
                type $V = $W;
                let ($a, $b, $c) = (
                    $V::from_fn(|l| xa[l]),
                    $V::from_fn(|l| xb[l]),
                    $V::from_fn(|l| xc[l]),
                );
                let r: $V = $e;
                r.to_array()
            };
            for h in 0..2 {
                type $V = $E;
                let ($a, $b, $c) = (
                    $V::from_fn(|l| xa[8 * h + l]),
                    $V::from_fn(|l| xb[8 * h + l]),
                    $V::from_fn(|l| xc[8 * h + l]),
                );
                let r: $V = $e;
                for (l, &v) in r.to_array().iter().enumerate() {
                    let w = wide[8 * h + l];
                    assert!(
                        same(v, w),
                        "{}: lane {} of ({}, {}, {}): 8 lanes {v:e}, 16 lanes {w:e}",
                        $what,
                        8 * h + l,
                        xa[8 * h + l],
                        xb[8 * h + l],
                        xc[8 * h + l]
                    );
                }
            }
        }
    };
}

/// Every `Lanes` method and the vector maths: `$W` (16 lanes) against `$E` (8 lanes).
macro_rules! all_lanes {
    ($W:ty, $E:ty) => {{
        same_lanes!($W, $E, "+ - * /", |V, a, b, c| (a + b) * c - a / b);
        same_lanes!($W, $E, "mul_add", |V, a, b, c| a.mul_add(b, c));
        same_lanes!($W, $E, "mul_neg_add", |V, a, b, c| a.mul_neg_add(b, c));
        same_lanes!($W, $E, "sqrt", |V, a, b, c| Vector::sqrt(a)
            + b * c * V::splat(0.0));
        same_lanes!($W, $E, "fast_max min", |V, a, b, c| a
            .fast_max(b)
            .fast_min(c));
        same_lanes!($W, $E, "max min", |V, a, b, c| Lanes::max(a, b).min(c));
        same_lanes!($W, $E, "nan_max max_ps min_ps", |V, a, b, c| a
            .nan_max(b)
            .max_ps(c)
            .min_ps(a));
        same_lanes!($W, $E, "round floor abs", |V, a, b, c| a.round_ties_even()
            + Lanes::floor(b)
            + Lanes::abs(c));
        same_lanes!($W, $E, "copysign", |V, a, b, c| a.copysign(b)
            + c * V::splat(0.0));
        same_lanes!($W, $E, "compares", |V, a, b, c| a.simd_lt(b).select(a, c)
            + a.simd_le(c).select(b, a)
            + b.simd_gt(c).select(c, a)
            + b.simd_ge(a).select(a, b)
            + a.simd_eq(c).select(b, c));
        same_lanes!($W, $E, "masks", |V, a, b, c| (a.is_nan() | b.is_inf())
            .select(c, a)
            + (!a.simd_lt(b) & c.simd_gt(a)).select(b, c));
        same_lanes!($W, $E, "bits", |V, a, b, c| {
            let (ia, ib, ic) = (Lanes::to_bits(a), Lanes::to_bits(b), Lanes::to_bits(c));
            let f = <V as Lanes>::from_bits;
            f((V::shl::<3>(ia) + V::shr::<2>(ib)) & ic) + f(ia | V::int_splat(1))
        });
        same_lanes!($W, $E, "round to int", |V, a, b, c| V::from_int(
            (a * V::splat(1e-3)).fast_round_int() - V::int_splat(5)
        ) + b
            * c
            * V::splat(0.0));
        same_lanes!($W, $E, "exp", |V, a, b, c| vm::exp(a)
            + vm::exp(b * V::splat(0.1))
            + c * V::splat(0.0));
        same_lanes!($W, $E, "expm1", |V, a, b, c| vm::expm1(a)
            + b * c * V::splat(0.0));
        same_lanes!($W, $E, "ln", |V, a, b, c| vm::ln(a) + vm::ln(b * c));
        same_lanes!($W, $E, "tanh sigmoid", |V, a, b, c| vm::tanh(a)
            + vm::sigmoid(b)
            + c * V::splat(0.0));
        same_lanes!($W, $E, "log1p", |V, a, b, c| vm::log1p(a)
            + b * c * V::splat(0.0));
        same_lanes!($W, $E, "normal_cdf", |V, a, b, c| vm::normal_cdf(a)
            + vm::normal_cdf(b * V::splat(0.1))
            + c * V::splat(0.0));
        same_lanes!($W, $E, "sin cos", |V, a, b, c| vm::sin_cos(a).0
            + vm::sin_cos(b).1
            + c * V::splat(0.0));
        // the horizontal ones see whole vectors: a mask's count and the halves themselves
        for [xa, xb, _] in inputs() {
            let (a, b) = (<$W>::from_fn(|l| xa[l]), <$W>::from_fn(|l| xb[l]));
            let m = a.simd_lt(b);
            let lt = (0..16).filter(|&l| xa[l] < xb[l]).count();
            assert_eq!(m.count_set() as usize, lt);
            assert_eq!(m.any(), m.count_set() > 0);
            let (h0, h1) = a.halves();
            for l in 0..8 {
                assert!(same(h0.to_array()[l], xa[l]) && same(h1.to_array()[l], xa[8 + l]));
            }
        }
    }};
}

#[test]
fn wide16_lanes_match_f32x8() {
    all_lanes!(f32x16, f32x8);
}

/// Runs `f` in the AVX-512 form's target-feature function, when this build has that form and
/// the CPU runs it; else says so and skips.
#[cfg(runtime_avx2)]
fn on_avx512(f: impl FnOnce()) {
    if crate::kernels::simd::level::avx512() {
        // SAFETY: `level::avx512()`: the CPU has AVX-512F, AVX2 and FMA
        unsafe { crate::kernels::simd::avx512::enable(f) }
    } else {
        eprintln!("the AVX-512 form is not in use (CPU or ARENAGRAD_SIMD): not compared");
    }
}

#[cfg(runtime_avx2)]
#[test]
fn the_avx512_form_matches_the_avx2_form_lane_for_lane() {
    use crate::kernels::simd::{avx2::Y8, avx512::Z16};
    on_avx512(
        #[inline(always)]
        || all_lanes!(Z16, Y8),
    );
}

/// `a·b + c` with the operand `d` as a fourth term: a lane function of all four operands.
#[derive(Clone, Copy)]
struct Fma4;

impl Lane4 for Fma4 {
    fn call<V: Lanes>(self, a: V, b: V, c: V, d: V) -> V {
        vm::exp(a.mul_add(b, c)) - d
    }
}

/// Lengths past every 8- and 16-lane tail, and a few long ones.
fn lens() -> impl Iterator<Item = usize> {
    (0..=49).chain([63, 64, 65, 127, 129, 1000, 1003])
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The shared loops in `$W` (16 lanes) against `$E` (8 lanes), over every tail length.
macro_rules! loops_match {
    ($W:ty, $E:ty) => {{
        for n in lens() {
            let (a, b, c) = (values(n, 11, 2.0), values(n, 12, 2.0), values(n, 13, 2.0));
            let d = values(n, 14, 1.0);
            let ops = (&a[..], &b[..], &c[..], &d[..]);
            for acc in [Acc::Write, Acc::Add] {
                let (mut o8, mut o16) = (d.clone(), d.clone());
                zip4_on::<$E, _, _, _, _>(ops, &mut o8, acc, Fma4);
                zip4_on::<$W, _, _, _, _>(ops, &mut o16, acc, Fma4);
                assert_eq!(bits(&o8), bits(&o16), "zip4, n = {n}, {acc:?}");
            }
            let (mut u8, mut u16) = (d.clone(), d.clone());
            update4_on::<$E, _, _, _>((&a[..], &b[..], Splat(0.5)), &mut u8, Fma4);
            update4_on::<$W, _, _, _>((&a[..], &b[..], Splat(0.5)), &mut u16, Fma4);
            assert_eq!(bits(&u8), bits(&u16), "update4, n = {n}");
            let s8 = sum4_on::<$E, _, _, _, _>((&a[..], &b[..], &c[..], NONE), n, Fma4);
            let s16 = sum4_on::<$W, _, _, _, _>((&a[..], &b[..], &c[..], NONE), n, Fma4);
            assert_eq!(s8.to_bits(), s16.to_bits(), "sum4, n = {n}");
            let r8 = row_sum_in!($E, n, |i, L| vm_exp::<L>(&a[i..]) * L::load(&b[i..]));
            let r16 = row_sum_in!($W, n, |i, L| vm_exp::<L>(&a[i..]) * L::load(&b[i..]));
            assert_eq!(r8.to_bits(), r16.to_bits(), "row_sum, n = {n}");
            let (mut e8, mut e16) = (vec![0.0; n], vec![0.0; n]);
            each_lane_in!($E, n, scaled_exp(&a, &mut e8));
            each_lane_in!($W, n, scaled_exp(&a, &mut e16));
            assert_eq!(bits(&e8), bits(&e16), "each_lane, n = {n}");
            let mut m = a.clone();
            if n > 3 {
                m[n / 2] = 0.0;
                m[n / 3] = -0.0;
            }
            assert_eq!(
                row_max_on::<$E>(&m).to_bits(),
                row_max_on::<$W>(&m).to_bits(),
                "row_max, n = {n}"
            );
        }
    }};
}

#[test]
fn wide16_loops_match_f32x8() {
    loops_match!(f32x16, f32x8);
}

#[cfg(runtime_avx2)]
#[test]
fn the_avx512_form_loops_match_the_avx2_form() {
    use crate::kernels::simd::{avx2::Y8, avx512::Z16};
    on_avx512(
        #[inline(always)]
        || loops_match!(Z16, Y8),
    );
}

/// `e^x` of the first lanes of `x` through `Vector` (the generic bodies' `exp`).
fn vm_exp<L: Vector>(x: &[f32]) -> L {
    crate::kernels::simd::exp(L::load(x))
}

fn scaled_exp<L: Vector>(i: usize, x: &[f32], out: &mut [f32]) {
    (vm_exp::<L>(&x[i..]) * L::splat(0.25)).store(&mut out[i..]);
}
