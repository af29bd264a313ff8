//! The `shapes` fuzz target: shape arithmetic with zero and huge dims.
//!
//! Dims come from a palette that mixes small sizes (0 to 3, so ops mostly succeed) with 2¹⁶,
//! 2³¹, 2³², the largest valid element count and one past it, 2⁶², `usize::MAX` and arbitrary
//! 64-bit values. Two parts:
//!
//! 1. The shape functions (`shape::numel`, `Shape`, `shape::strides`, `broadcast_shapes`,
//!    `normalize_axis`) and tensor constructors (`Tensor::zeros`, `Tensor::new`,
//!    `Tensor::reshape`) on arbitrary shapes.
//! 2. A program over a pool of vars whose shapes hold zero and huge dims (an empty tensor may
//!    have a dim of 2⁶⁰ and cost nothing): broadcasting ops, matmul, reshape, concat,
//!    reductions, softmax, layer_norm, transpose, permute, broadcast_to, narrow, index_select,
//!    embedding and gather, then a backward through all of it.
//!
//! Every call is checked against [`expect`], a reference computed with checked arithmetic: the
//! result shape, or an error of an expected kind — never a panic (an overflow included), never
//! a hang. Calls whose valid result would be large (more than [`SMALL`] elements) are skipped,
//! since allocating them is what the caller asked for. Leaves are constant tensors, and most
//! ops map constants to constants (`c + d`, `c·d·k` for a matmul over `k`, `1/len` for a
//! softmax), so values are checked too.

pub mod expect;

use arenagrad::prelude::*;
use arenagrad::shape;

use crate::reader::Reader;
use expect::{kind, Expect, MAX_ELEMS};

/// The largest result (in elements) the target lets an op allocate.
pub const SMALL: usize = 4096;
const MAX_OPS: usize = 24;
const MAX_POOL: usize = 8;

/// A dim: mostly small, sometimes huge.
pub fn dim(r: &mut Reader) -> usize {
    match r.u8() % 24 {
        0..=11 => (r.u8() % 4) as usize,
        12 => 1 << 16,
        13 => 1 << 31,
        14 => 1 << 32,
        15 => MAX_ELEMS,
        16 => MAX_ELEMS + 1,
        17 => 1 << 62,
        18 => usize::MAX,
        19 => r.u64() as usize,
        20 => 1 << (r.u8() % 64),
        _ => 1 + r.u8() as usize,
    }
}

/// A shape of rank 0 to 5 from the palette.
pub fn shape(r: &mut Reader) -> Vec<usize> {
    let rank = r.u8() % 6;
    (0..rank).map(|_| dim(r)).collect()
}

/// A shape close to `base`: one dim replaced, one dim added in front, or one dropped.
fn derive(r: &mut Reader, base: &[usize]) -> Vec<usize> {
    let mut s = base.to_vec();
    match r.u8() % 4 {
        0 if !s.is_empty() => {
            let i = r.below(s.len());
            s[i] = dim(r);
        }
        1 => s.insert(0, dim(r)),
        2 if !s.is_empty() => {
            s.remove(0);
        }
        _ => {}
    }
    s
}

/// `isize` axes mostly in range, sometimes anything.
fn axis(r: &mut Reader) -> isize {
    match r.u8() % 8 {
        7 => r.u64() as isize,
        _ => (r.u8() % 13) as isize - 6,
    }
}

/// Whether a reference result is too large to let the op allocate it.
fn too_big(want: &Expect) -> bool {
    matches!(want, Ok(s) if expect::numel(s).is_ok_and(|n| n > SMALL))
}

/// Compares an op's result with the reference.
#[track_caller]
fn compare<T: std::fmt::Debug>(
    what: &str,
    want: Expect,
    got: Result<T>,
    shape_of: impl Fn(&T) -> Vec<usize>,
) -> Option<T> {
    match (want, got) {
        (Ok(s), Ok(v)) => {
            assert_eq!(shape_of(&v), s, "{what}: result shape");
            Some(v)
        }
        (Err(kinds), Err(e)) => {
            assert!(
                kinds.contains(&kind(&e)),
                "{what}: got {e:?}, expected one of {kinds:?}"
            );
            assert!(!e.to_string().is_empty());
            None
        }
        (want, got) => panic!("{what}: expected {want:?}, got {got:?}"),
    }
}

/// Part 1: the shape functions and tensor constructors on arbitrary shapes.
fn shape_api(r: &mut Reader) {
    let (a, b) = (shape(r), shape(r));
    let want = expect::numel(&a);
    match (want, shape::numel("fuzz", &a)) {
        (Ok(n), Ok(m)) => assert_eq!(n, m, "numel {a:?}"),
        (Err(_), Err(Error::SizeOverflow { .. })) => {}
        (w, g) => panic!("numel {a:?}: expected {w:?}, got {g:?}"),
    }
    assert_eq!(Shape::new(&a).is_ok(), want.is_ok(), "Shape::new {a:?}");
    let owned = Shape::from(a.clone());
    let (_, _, strides) = (owned.numel(), owned.rank(), shape::strides(&a));
    if want.is_ok() {
        let mut s = vec![1usize; a.len()];
        for i in (0..a.len().saturating_sub(1)).rev() {
            s[i] = s[i + 1] * a[i + 1];
        }
        assert_eq!(strides, s, "strides {a:?}");
    }
    let got = shape::broadcast_shapes("fuzz", &a, &b);
    compare("broadcast_shapes", expect::broadcast(&a, &b), got, |s| {
        s.clone()
    });
    let ax = axis(r);
    match (
        expect::axis(ax, a.len(), false),
        shape::normalize_axis("fuzz", ax, &a),
    ) {
        (Ok(x), Ok(y)) => assert_eq!(x, y),
        (Err(_), Err(Error::BadAxis { .. })) => {}
        (w, g) => panic!("normalize_axis({ax}, {a:?}): expected {w:?}, got {g:?}"),
    }
    let want = expect::numel(&a).map(|_| a.clone()).map_err(|k| vec![k]);
    if !too_big(&want) {
        compare("Tensor::zeros", want, Tensor::zeros(&a), |t| {
            t.shape().to_vec()
        });
    }
    let len = r.u8() as usize % 8;
    let want = match expect::numel(&a) {
        Ok(n) if n == len => Ok(a.clone()),
        Ok(_) => Err(vec![expect::Kind::DataLength]),
        Err(k) => Err(vec![k]),
    };
    let t = compare("Tensor::new", want, Tensor::new(vec![0.5; len], &a), |t| {
        t.shape().to_vec()
    });
    let t = t.unwrap_or_else(|| Tensor::from_slice(&vec![0.5; len]));
    let from = t.shape().to_vec();
    compare(
        "Tensor::reshape",
        expect::reshape(&from, &b),
        t.reshape(&b),
        |t| t.shape().to_vec(),
    );
}

/// Decodes `data` and checks every property; the body of the fuzz target.
pub fn check(data: &[u8]) {
    let mut r = Reader::new(data);
    shape_api(&mut r);
    shape_api(&mut r);
    Graph::new()
        .run(|g| {
            ops::program(g, &mut r);
            Ok(())
        })
        .expect("the program returns Ok");
}

mod ops;
