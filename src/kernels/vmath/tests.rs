//! Accuracy of the lane functions against `f64` over dense sweeps (every n-th `f32` in the
//! range, so every binade is visited), and their edge values against `f32`'s own functions.
//! `cargo test --release --lib vmath -- --nocapture` prints the worst error seen.

use super::*;
use crate::kernels::special::erf64;

/// Evenly spaced in the order of the `f32` bit patterns from `lo` to `hi`: `count` values
/// that visit every exponent in between.
fn sweep(lo: f32, hi: f32, count: usize) -> impl Iterator<Item = f32> {
    let ord = |x: f32| {
        if x >= 0.0 {
            x.to_bits() as i64
        } else {
            -((x.to_bits() & 0x7fff_ffff) as i64)
        }
    };
    let un = |o: i64| {
        if o >= 0 {
            f32::from_bits(o as u32)
        } else {
            -f32::from_bits((-o) as u32)
        }
    };
    let (a, b) = (ord(lo), ord(hi));
    let step = ((b - a) / count as i64).max(1);
    (0..=(b - a) / step).map(move |k| un(a + k * step))
}

/// |got − want| in units of the last place of `want` rounded to `f32` (subnormal spacing at
/// the bottom).
fn ulps(got: f32, want: f64) -> f64 {
    let w = (want as f32).abs();
    let ulp = if w == 0.0 {
        f32::from_bits(1) as f64
    } else {
        (f32::from_bits(w.to_bits() + 1) - w) as f64
    };
    (got as f64 - want).abs() / ulp
}

/// A function of the vector maths in every form of the lanes, so the sweeps test the form the
/// level selects (`ARENAGRAD_SIMD`).
trait F8: Copy {
    fn at<V: crate::kernels::simd::Lanes>(self, x: V) -> V;
}

macro_rules! f8 {
    ($($name:ident => |$x:ident| $e:expr;)*) => {$(
        #[derive(Clone, Copy)]
        struct $name;
        impl F8 for $name {
            fn at<V: crate::kernels::simd::Lanes>(self, $x: V) -> V {
                $e
            }
        }
    )*};
}

f8! {
    Exp => |x| lanes::exp(x);
    Ln => |x| lanes::ln(x);
    Tanh => |x| lanes::tanh(x);
    Sigmoid => |x| lanes::sigmoid(x);
    Expm1 => |x| lanes::expm1(x);
    Log1p => |x| lanes::log1p(x);
    NormalCdf => |x| lanes::normal_cdf(x);
    Sin => |x| lanes::sin_cos(x).0;
    Cos => |x| lanes::sin_cos(x).1;
    Erf => |x| {
        let a = x.to_array();
        let e = erf(f32x8::new(std::array::from_fn(|l| a[l]))).to_array();
        V::from_fn(|l| e[l])
    };
}

fn lanes(f: impl F8, xs: &[f32]) -> Vec<f32> {
    use crate::kernels::simd::dispatch;
    xs.chunks(8)
        .flat_map(|c| {
            let mut a = [0.0f32; 8];
            a[..c.len()].copy_from_slice(c);
            dispatch!(|V| f.at(V::from_fn(|l| a[l])).to_array()[..c.len()].to_vec())
        })
        .collect()
}

fn worst(name: &str, f: impl F8, exact: impl Fn(f64) -> f64, xs: impl Iterator<Item = f32>) -> f64 {
    let xs: Vec<f32> = xs.collect();
    let got = lanes(f, &xs);
    let (mut max, mut at) = (0.0f64, 0.0f32);
    for (&x, &y) in xs.iter().zip(&got) {
        let e = ulps(y, exact(x as f64));
        if e > max || e.is_nan() {
            (max, at) = (e, x);
        }
    }
    println!(
        "{name}: max {max:.3} ulp at x = {at:e} over {} inputs",
        xs.len()
    );
    max
}

fn n() -> usize {
    if cfg!(debug_assertions) {
        20_000
    } else {
        2_000_000
    }
}

#[test]
fn exp_ln_within_1_ulp() {
    assert!(worst("exp", Exp, f64::exp, sweep(-103.9, 88.7, n())) <= 1.0);
    assert!(worst("ln", Ln, f64::ln, sweep(1e-45, f32::MAX, n())) <= 1.0);
}

#[test]
fn expm1_within_2_ulp_below_0_and_3_5_above() {
    // near 0 the polynomial alone (no `exp(x) − 1` cancellation); beyond ½ln2 the subtraction
    // of 1 from exp's result (≤ 1 ulp) scales that error by up to e^x/(e^x − 1): ≤ 2 ulp of
    // results in [−1, −0.29], ≤ 4 in theory (3.36 seen, at x ≈ 0.358) of results in [0.41, 1)
    assert!(worst("expm1 x<0", Expm1, f64::exp_m1, sweep(-103.0, 0.0, n())) <= 2.0);
    assert!(worst("expm1 x>0", Expm1, f64::exp_m1, sweep(0.0, 88.7, n())) <= 3.5);
    assert!(
        worst(
            "expm1 near 0",
            Expm1,
            f64::exp_m1,
            sweep(-0.3465, 0.3465, n())
        ) <= 1.0
    );
    assert!(lanes(Expm1, &[-0.0])[0].is_sign_negative());
    let edges = [0.0, f32::NEG_INFINITY, f32::INFINITY, -1e-40, 1e-40];
    for (x, y) in edges.iter().zip(lanes(Expm1, &edges)) {
        assert_eq!(y, x.exp_m1(), "expm1({x:e})");
    }
    assert!(lanes(Expm1, &[f32::NAN])[0].is_nan());
}

#[test]
fn tanh_sigmoid_within_2_ulp_log1p_within_2_5() {
    assert!(worst("tanh", Tanh, f64::tanh, sweep(-20.0, 20.0, n())) <= 2.0);
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    assert!(worst("sigmoid", Sigmoid, sig, sweep(-103.0, 30.0, n())) <= 2.0);
    // ln(w) (≤ 1 ulp) times u/(w − 1) (two roundings) and the product's rounding: 2.375 ulp
    // seen over 226M inputs in [0.41, 1e30]; the sweeps here are sparser
    assert!(worst("log1p", Log1p, f64::ln_1p, sweep(0.0, 1e30, n())) <= 2.5);
}

#[test]
fn sin_cos_erf_round_once() {
    let s = worst("sin", Sin, f64::sin, sweep(-1e5, 1e5, n()));
    let c = worst("cos", Cos, f64::cos, sweep(-1e5, 1e5, n()));
    assert!(s <= 0.51 && c <= 0.51);
    assert!(worst("erf", Erf, erf64, sweep(-6.0, 6.0, n())) <= 0.51);
}

#[test]
fn edge_values_match_std() {
    let sub = f32::from_bits(1);
    let edges = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MAX,
        f32::MIN,
        sub,
        -sub,
        1e-40,
        88.72,
        88.73,
        -103.0,
        -104.0,
        1e7,
        -3e9,
        1.0,
    ];
    let same = |a: f32, b: f32, what: &str, x: f32| {
        let ok = (a.is_nan() && b.is_nan())
            || a == b
            || (a.is_finite() && b.is_finite() && ulps(a, b as f64) <= 2.0);
        assert!(ok, "{what}({x:e}): lanes {a:e}, std {b:e}");
    };
    let check = |what: &str, f: &dyn Fn(&[f32]) -> Vec<f32>, g: &dyn Fn(f32) -> f32| {
        for (x, y) in edges.iter().zip(f(&edges)) {
            same(y, g(*x), what, *x);
        }
    };
    check("exp", &|x| lanes(Exp, x), &f32::exp);
    check("ln", &|x| lanes(Ln, x), &f32::ln);
    check("tanh", &|x| lanes(Tanh, x), &f32::tanh);
    check(
        "sigmoid",
        &|x| lanes(Sigmoid, x),
        &crate::kernels::special::sigmoid,
    );
    check("sin", &|x| lanes(Sin, x), &f32::sin);
    check("cos", &|x| lanes(Cos, x), &f32::cos);
    check("erf", &|x| lanes(Erf, x), &crate::kernels::special::erf);
    check(
        "normal_cdf",
        &|x| lanes(NormalCdf, x),
        &crate::kernels::special::normal_cdf,
    );
    let pos: Vec<f32> = edges.iter().map(|x| x.abs()).collect();
    for (x, y) in pos.iter().zip(lanes(Log1p, &pos)) {
        same(y, x.ln_1p(), "log1p", *x);
    }
    // signed zeros keep their sign where the maths does
    assert!(lanes(Tanh, &[-0.0])[0].is_sign_negative());
    assert!(lanes(Erf, &[-0.0])[0].is_sign_negative());
    assert!(lanes(Sin, &[-0.0])[0].is_sign_negative());
}

#[test]
fn exp_returns_a_quiet_nan_input_itself() {
    // the clamps pass NaN through (operand order), so no select is needed for it
    for bits in [0x7fc0_0000u32, 0xffc0_0000, 0x7fc1_2345, 0xffff_ffff] {
        let x = f32::from_bits(bits);
        let y = exp(f32x8::splat(x)).to_array();
        assert!(y.iter().all(|v| v.to_bits() == bits), "{bits:#x}: {y:?}");
    }
}

#[test]
fn exp_normal_range_shortcut_keeps_the_two_halves_bits() {
    // a vector whose last lane needs the two halves (2ⁿ subnormal) takes that path for every
    // lane: each lane's bits there must equal the shortcut's on a vector of its value alone
    let xs = sweep(-110.0, 90.0, 1 << 20).chain([0.0, -0.0, 88.72, -87.3, -87.4, 88.0, -103.9]);
    for x in xs {
        let alone = exp(f32x8::splat(x)).to_array()[0];
        let mixed = exp(f32x8::new([x, x, x, x, x, x, x, -103.0])).to_array()[0];
        assert_eq!(alone.to_bits(), mixed.to_bits(), "exp({x:e})");
    }
}

#[test]
fn the_gaussian_factor_of_normal_cdf_is_the_direct_exp() {
    // GELU's gradient takes e^{−x²/2} from Φ's evaluation instead of its own exp((−½·x)·x):
    // the same bits everywhere, subnormal and huge inputs included
    let edges = [
        0.0, -0.0, 1e-40, -1e-40, 1e-20, 3e-39, 13.2, -13.3, 1e19, -1e25,
    ];
    let xs = sweep(-20.0, 20.0, 1 << 20).chain(edges);
    for x in xs.chain([f32::INFINITY, f32::NEG_INFINITY, f32::MIN_POSITIVE]) {
        let v = f32x8::splat(x);
        let direct = exp(f32x8::splat(-0.5) * v * v).to_array()[0];
        let (cdf, gauss) = super::lanes::normal_cdf_gauss(v);
        assert_eq!(gauss.to_array()[0].to_bits(), direct.to_bits(), "x = {x:e}");
        assert_eq!(
            cdf.to_array()[0].to_bits(),
            normal_cdf(v).to_array()[0].to_bits()
        );
    }
}

/// `Φ(x)` in f64: `½(1 + erf(x/√2))` where that loses nothing (x ≥ −2), else `½·erfc(|x|/√2)`
/// by its continued fraction (Lentz), converged to f64 for `|x|/√2 ≥ 1.4`.
fn normal_cdf64(x: f64) -> f64 {
    if x >= -2.0 {
        return 0.5 * (1.0 + crate::kernels::special::erf64(x * std::f64::consts::FRAC_1_SQRT_2));
    }
    // erfc z = e^{−z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + …)))))
    let z = -x * std::f64::consts::FRAC_1_SQRT_2;
    let tiny = 1e-300;
    let (mut f, mut c, mut d) = (z, z, 0.0f64);
    for n in 1..400 {
        let a = n as f64 / 2.0;
        d = z + a * d;
        d = if d == 0.0 { tiny } else { 1.0 / d };
        c = z + a / c;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    0.5 * (-z * z).exp() / (std::f64::consts::PI.sqrt() * f)
}

#[test]
fn normal_cdf_within_its_bound_on_both_sides() {
    // subnormal results (x < −13.2) are left out: their ulp is absolute
    let w = worst(
        "normal_cdf",
        NormalCdf,
        normal_cdf64,
        sweep(-13.0, 14.0, n()),
    );
    assert!(w <= 6.0, "normal_cdf: {w} ulp");
    assert_eq!(
        lanes(NormalCdf, &[f32::INFINITY, f32::NEG_INFINITY]),
        [1.0, 0.0]
    );
    assert!(lanes(NormalCdf, &[f32::NAN])[0].is_nan());
    // the reference itself: its two routes agree where they meet
    let (a, b) = (normal_cdf64(-2.0), {
        let z = 2.0 * std::f64::consts::FRAC_1_SQRT_2;
        0.5 * (1.0 - crate::kernels::special::erf64(z))
    });
    assert!((a / b - 1.0).abs() < 1e-12, "{a} vs {b}");
}
