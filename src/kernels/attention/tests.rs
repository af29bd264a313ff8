//! The fused kernel against its f64 twin: shapes off the vector and tile sizes (several key
//! tiles, so the online rescaling runs), every mask kind, a fully masked query, and the same
//! bits on 1 and 2 threads.

use super::*;
use crate::kernels::par::on_1_and_2_threads;
use crate::kernels::simd::testing::{agree, same_bits, values};
use crate::kernels::Acc;

struct Case {
    d: Dims,
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    g: Vec<f32>,
}

fn case(pairs: usize, l: usize, s: usize, e: usize, ev: usize, seed: u32) -> Case {
    let d = Dims { pairs, l, s, e, ev };
    Case {
        d,
        q: values(pairs * l * e, seed, 2.0),
        k: values(pairs * s * e, seed + 1, 2.0),
        v: values(pairs * s * ev, seed + 2, 1.0),
        g: values(pairs * l * ev, seed + 3, 1.0),
    }
}

/// Runs the kernels; returns `[out, dq, dk, dv]`.
fn run(c: &Case, mask: Mask<'_>, scale: f32) -> [Vec<f32>; 4] {
    let Dims { pairs, l, s, e, ev } = c.d;
    let (mut out, mut lse) = (vec![0.0; pairs * l * ev], vec![0.0; pairs * l]);
    forward(&c.q, &c.k, &c.v, c.d, mask, scale, &mut out, &mut lse);
    let (q, k, v) = (&c.q, &c.k, &c.v);
    let grads = |held: [f32; 3], acc| {
        let (mut dq, mut dk, mut dv) = (
            vec![held[0]; pairs * l * e],
            vec![held[1]; pairs * s * e],
            vec![held[2]; pairs * s * ev],
        );
        let (o, g) = (&out, &c.g);
        backward(
            q, k, v, o, &lse, g, c.d, mask, scale, &mut dq, &mut dk, &mut dv, acc,
        );
        (dq, dk, dv)
    };
    // written gradients over NaN: an element the kernel skipped would show
    let (dq, dk, dv) = grads([f32::NAN; 3], [Acc::Write; 3]);
    // added gradients: the written ones plus what the buffers held
    let (aq, ak, av) = grads([1.0, -2.0, 0.5], [Acc::Add; 3]);
    for (added, (written, held)) in [(&aq, (&dq, 1.0)), (&ak, (&dk, -2.0)), (&av, (&dv, 0.5))] {
        for (a, w) in added.iter().zip(written.iter()) {
            assert_eq!(
                a.to_bits(),
                (w + held).to_bits(),
                "Acc::Add = Acc::Write + held"
            );
        }
    }
    [out, dq, dk, dv]
}

fn check(c: &Case, mask: Mask<'_>, scale: f32, what: &str) {
    let got = run(c, mask, scale);
    let out = forward_ref(&c.q, &c.k, &c.v, c.d, mask, scale);
    let [dq, dk, dv] = backward_ref(&c.q, &c.k, &c.v, &c.g, c.d, mask, scale);
    // f32 sums of up to a few hundred terms of size ~1: well inside 1e-5 absolute
    for (name, g, w) in [("out", &got[0], &out), ("dq", &got[1], &dq)] {
        agree(&format!("{what} {name}"), g, w, 1e-4, 2e-5);
    }
    for (name, g, w) in [("dk", &got[2], &dk), ("dv", &got[3], &dv)] {
        agree(&format!("{what} {name}"), g, w, 1e-4, 2e-5);
    }
}

#[test]
fn matches_the_f64_twin_on_odd_shapes() {
    for (pairs, l, s, e, ev) in [
        (1, 1, 1, 1, 1),
        (2, 3, 5, 4, 6),
        (3, 7, 9, 13, 5),
        (2, 17, 300, 8, 16), // three key tiles: the online rescaling
        (1, 130, 130, 32, 32),
        (2, 64, 64, 32, 40),
    ] {
        let c = case(pairs, l, s, e, ev, (l * 31 + s) as u32);
        let what = format!("[{pairs}, {l}, {s}, {e}, {ev}]");
        check(
            &c,
            Mask::None,
            1.0 / (e as f32).sqrt(),
            &format!("{what} none"),
        );
        check(&c, Mask::Causal, 0.3, &format!("{what} causal"));
    }
}

#[test]
fn boolean_masks_broadcast_and_empty_rows_give_zeros() {
    let c = case(4, 6, 140, 5, 3, 7);
    // one [l, s] plane shared by all pairs; row 2 masked out entirely
    let (l, s) = (6, 140);
    let data: Vec<bool> = (0..l * s).map(|x| x % 3 != 0 && x / s != 2).collect();
    let offsets = [0; 4];
    let mask = Mask::Bool {
        data: &data,
        offsets: &offsets,
        row: s,
        col: 1,
    };
    check(&c, mask, 0.5, "bool [l, s]");
    let got = run(&c, mask, 0.5);
    for p in 0..4 {
        assert!(got[0][(p * l + 2) * 3..][..3].iter().all(|&x| x == 0.0));
        assert!(got[1][(p * l + 2) * 5..][..5].iter().all(|&x| x == 0.0));
    }
    // a key-padding mask [pairs, 1, s]: row stride 0, one plane per pair
    let data: Vec<bool> = (0..4 * s).map(|x| x % s < 100 + x / s).collect();
    let offsets = [0, s, 2 * s, 3 * s];
    let mask = Mask::Bool {
        data: &data,
        offsets: &offsets,
        row: 0,
        col: 1,
    };
    check(&c, mask, 0.5, "bool [pairs, 1, s]");
}

#[test]
fn same_bits_on_one_and_two_threads() {
    let c = case(16, 64, 64, 32, 32, 3);
    let (one, two) = on_1_and_2_threads(|| run(&c, Mask::Causal, 0.2));
    for (a, b) in one.iter().zip(&two) {
        same_bits("attention", a, b);
    }
}

#[test]
fn exp_rows_same_bits_in_16_and_8_lanes() {
    use wide::{f32x16, f32x8};
    for n in [16, 32, 48, 128] {
        let mut x = values(n, n as u32, 8.0);
        x[n / 2] = f32::NEG_INFINITY; // a masked key
        let m = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let (mut r8, mut r16) = (x.clone(), x.clone());
        let (t8, t16) = (exp_row::<f32x8>(&mut r8, m), exp_row::<f32x16>(&mut r16, m));
        same_bits("exp row", &r8, &r16);
        assert_eq!(
            hsum(t8[0] + t8[1]).to_bits(),
            hsum(t16[0] + t16[1]).to_bits()
        );
    }
}
