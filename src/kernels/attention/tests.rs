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

/// `x [groups·heads, n, w]` (contiguous pairs) as rows of `heads` pairs side by side, each row
/// `rs` floats long with the heads starting at column `base`: `[groups, n, rs]`.
fn interleave(
    x: &[f32],
    heads: usize,
    n: usize,
    w: usize,
    rs: usize,
    base: usize,
    into: &mut [f32],
) {
    let groups = x.len() / (heads * n * w).max(1);
    for g in 0..groups {
        for h in 0..heads {
            for i in 0..n {
                let src = &x[((g * heads + h) * n + i) * w..][..w];
                into[(g * n + i) * rs + base + h * w..][..w].copy_from_slice(src);
            }
        }
    }
}

/// The interleaved layouts give the contiguous layout's bits: one packed `[B, T, 3·H·e]`
/// projection for q, k and v with one packed gradient, and `[B, T, H, e]` operands with split
/// gradients; written and added, on 1 and 2 threads.
#[test]
fn interleaved_layouts_give_the_contiguous_bits() {
    for (groups, heads, t, e, mask) in [
        (3, 4, 64, 32, Mask::Causal),
        (2, 3, 17, 8, Mask::None),
        (2, 2, 130, 16, Mask::Causal),
        (1, 1, 5, 3, Mask::Causal),
    ] {
        let pairs = groups * heads;
        let c = case(pairs, t, t, e, e, (t + heads) as u32);
        let (want, _) = on_1_and_2_threads(|| run(&c, mask, 0.3));
        let want_out = {
            let mut o = vec![0.0; pairs * t * e];
            interleave(&want[0], heads, t, e, heads * e, 0, &mut o);
            o
        };
        let he = heads * e;
        // q, k, v as thirds of one projection (an extra column at the end of each row)
        let rs = 3 * he + 1;
        let mut qkv = vec![f32::NAN; groups * t * rs];
        for (x, data) in [&c.q, &c.k, &c.v].into_iter().enumerate() {
            interleave(data, heads, t, e, rs, x * he, &mut qkv);
        }
        let mut dout = vec![0.0; pairs * t * e];
        interleave(&c.g, heads, t, e, he, 0, &mut dout);
        let lay = Layout::interleaved(heads, [rs; 3]);
        let d = c.d;
        let (one, two) = on_1_and_2_threads(|| {
            let (mut out, mut lse) = (vec![f32::NAN; pairs * t * e], vec![0.0; pairs * t]);
            let (q, k, v) = (&qkv[..], &qkv[he..], &qkv[2 * he..]);
            forward_in(q, k, v, d, lay, mask, 0.3, &mut out, &mut lse);
            let ins = Inputs {
                q,
                k,
                v,
                out: &out,
                lse: &lse,
                dout: &dout,
            };
            let mut grads = vec![f32::NAN; qkv.len()];
            let bases = [0, he, 2 * he];
            let packed = Grads::Packed {
                data: &mut grads,
                bases,
            };
            backward_in(&ins, d, lay, mask, 0.3, packed, [Acc::Write; 3]);
            let mut added = vec![1.5; qkv.len()];
            let packed = Grads::Packed {
                data: &mut added,
                bases,
            };
            backward_in(&ins, d, lay, mask, 0.3, packed, [Acc::Add; 3]);
            (out, grads, added)
        });
        for (out, grads, added) in [one, two] {
            let what = format!("packed [{groups}, {heads}, {t}, {e}]");
            same_bits(&what, &out, &want_out);
            let mut dwant = vec![f32::NAN; qkv.len()];
            for x in 0..3 {
                interleave(&want[1 + x], heads, t, e, rs, x * he, &mut dwant);
            }
            same_bits(&what, &grads, &dwant);
            for (a, w) in added.iter().zip(&dwant) {
                // the unused column stays as it was; the gradients add to 1.5
                let want = if w.is_nan() { 1.5 } else { w + 1.5 };
                assert_eq!(a.to_bits(), want.to_bits(), "{what} added");
            }
        }
        // [B, T, H, e] operands, gradients in buffers of their own
        let split: Vec<Vec<f32>> = [&c.q, &c.k, &c.v]
            .map(|x| {
                let mut o = vec![0.0; x.len()];
                interleave(x, heads, t, e, he, 0, &mut o);
                o
            })
            .to_vec();
        let lay = Layout::interleaved(heads, [he; 3]);
        let (mut out, mut lse) = (vec![f32::NAN; pairs * t * e], vec![0.0; pairs * t]);
        forward_in(
            &split[0], &split[1], &split[2], d, lay, mask, 0.3, &mut out, &mut lse,
        );
        same_bits("split out", &out, &want_out);
        let ins = Inputs {
            q: &split[0],
            k: &split[1],
            v: &split[2],
            out: &out,
            lse: &lse,
            dout: &dout,
        };
        let mut g = [0, 1, 2].map(|_| vec![f32::NAN; pairs * t * e]);
        let [dq, dk, dv] = &mut g;
        let bufs = Grads::Split([dq, dk, dv]);
        backward_in(&ins, d, lay, mask, 0.3, bufs, [Acc::Write; 3]);
        for x in 0..3 {
            let mut w = vec![0.0; pairs * t * e];
            interleave(&want[1 + x], heads, t, e, he, 0, &mut w);
            same_bits("split grads", &g[x], &w);
        }
    }
}
