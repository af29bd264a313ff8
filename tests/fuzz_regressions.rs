//! Every input the fuzz targets (or their property tests in `tests/fuzz_props.rs`) found to
//! break arenagrad, as a named test: the input replayed through its target's `check`, plus the
//! same failure written directly against the API, with what broke and what fixed it.
//!
//! Timeouts (hangs) show up here as tests that never finish; the fix makes each one instant.

#[path = "../fuzz/src/op_program/mod.rs"]
#[allow(dead_code)]
mod op_program;
#[path = "../fuzz/src/optim/mod.rs"]
#[allow(dead_code)]
mod optim;
#[path = "../fuzz/src/reader.rs"]
#[allow(dead_code)]
mod reader;
#[path = "../fuzz/src/safetensors/mod.rs"]
#[allow(dead_code)]
mod safetensors;
#[path = "../fuzz/src/shapes/mod.rs"]
#[allow(dead_code)]
mod shapes;

use arenagrad::optim::Optimizer;
use arenagrad::prelude::*;
use arenagrad::shape::MAX_NUMEL;

/// `shapes` crash-d7488ed0: `broadcast_shapes(&[usize::MAX, 0], ..)` returned a shape whose
/// non-zero dims multiply past `usize`. Such "empty" shapes were valid (a zero dim made `numel`
/// 0 whatever the others), but every kernel multiplies dims in partial products: `concat`
/// of an empty `[2⁴⁰, 2⁴⁰, 0]` along its last axis computed `outer = 2⁸⁰` (an overflow panic
/// with overflow checks, a wrong count without), and `Tensor::zeros(&[2⁶²])` passed the count
/// check and panicked in `Vec` with "capacity overflow". Fix (`shape::numel`): a shape is valid
/// when the product of its non-zero dims is at most `MAX_NUMEL` (`isize::MAX` bytes of f32).
#[test]
fn shapes_empty_shape_with_overflowing_dims() {
    shapes::check(&[180, 10, 138]);
    assert!(matches!(
        Tensor::zeros(&[1 << 62]),
        Err(Error::SizeOverflow { .. })
    ));
    assert!(matches!(
        Tensor::zeros(&[1 << 40, 1 << 40, 0]),
        Err(Error::SizeOverflow { .. })
    ));
    assert_eq!(Tensor::zeros(&[MAX_NUMEL, 0]).unwrap().numel(), 0);
    let e = arenagrad::shape::broadcast_shapes("add", &[usize::MAX, 0], &[2, 1, 1]).unwrap_err();
    assert!(matches!(e, Error::SizeOverflow { op: "add", .. }), "{e:?}");
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[1 << 30, 1 << 30, 0])?);
            let y = Var::try_concat(&[x, x], 2)?;
            assert_eq!(y.shape(), &[1 << 30, 1 << 30, 0]);
            y.sum().backward()
        })
        .unwrap();
}

/// `shapes` timeout-4ecd5852: `x.matmul(x)` for an empty `x` of shape `[2⁶¹ − 1, 0, 0]` ran its
/// per-batch GEMM loop 2⁶¹ times (each on a 0×0 matrix): a hang. Fix (`ops/matmul.rs`): an
/// empty result returns before the batch loop, and its backward writes zero gradients without
/// looping.
#[test]
fn shapes_matmul_of_empty_batches_returns_at_once() {
    let input = [
        0, 0, 0, 0, 26, 218, 245, 33, 1, 223, 218, 36, 1, 255, 152, 218, 245, 33, 0, 186, 205, 219,
        219, 255, 0, 0, 0, 0, 0, 65, 71, 1, 255, 255, 0, 0, 0, 65, 71, 1, 35, 37, 74, 120, 154, 73,
        44,
    ];
    shapes::check(&input);
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[MAX_NUMEL, 0, 0])?);
            let y = x.try_matmul(x)?;
            assert_eq!(y.shape(), &[MAX_NUMEL, 0, 0]);
            y.sum().backward()?;
            assert_eq!(x.grad().unwrap().numel(), 0);
            // A [2, 3] · [3, 0]: the result is empty but A is not; its gradient is zeros
            let a = g.leaf(Tensor::ones(&[2, 3])?);
            let b = g.leaf(Tensor::ones(&[1, 3, 0])?);
            a.try_matmul(b)?.sum().backward()?;
            assert_eq!(a.grad().unwrap().to_vec(), vec![0.0; 6]);
            Ok(())
        })
        .unwrap();
}

/// Found while fixing the above: `matmul` multiplied the batch dims of its operands before
/// checking that they broadcast: for batch dims `[2⁴⁰, 1]` and `[3, 2⁴⁰]` (which do not
/// broadcast) it took `2⁴⁰ · 2⁴⁰` (an overflow) instead of returning `ShapeMismatch`. Fix
/// (`ops/matmul.rs`): the batch dims are broadcast (checked) first.
#[test]
fn shapes_matmul_checks_batch_dims_before_multiplying_them() {
    Graph::new()
        .run(|g| {
            let a = g.input(Tensor::zeros(&[1 << 40, 1, 0, 2])?);
            let b = g.input(Tensor::zeros(&[3, 1 << 40, 2, 0])?);
            let e = a.try_matmul(b).unwrap_err();
            assert!(
                matches!(e, Error::ShapeMismatch { op: "matmul", .. }),
                "{e:?}"
            );
            Ok(())
        })
        .unwrap();
}

/// `shapes` timeout-9f635785: `sum_axis` of an empty `[2³¹, 2, 206, 0]` over axis 2 looped over
/// its `outer = 2³²` rows although each is empty (`inner = 0`); with 2⁶⁰ rows a hang (softmax,
/// max and mean along an axis share the layout). Fix (`kernels::reduce::AxisLayout::new`):
/// `inner == 0` makes `outer` 0.
#[test]
fn shapes_axis_reduction_of_empty_rows_returns_at_once() {
    let input = [
        84, 84, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 196, 73, 196, 205, 0, 2, 69, 205, 0, 0, 69, 97,
        103, 97, 97, 97, 1, 0, 0, 0, 97, 97, 97, 97, 0, 69, 69, 69, 205, 0, 69, 0, 0, 69,
    ];
    shapes::check(&input);
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[1 << 60, 1, 0])?);
            for y in [
                x.try_sum_axis(1, false)?,
                x.try_softmax(1)?,
                x.try_max_axis(1, true)?,
            ] {
                assert_eq!(y.numel(), 0);
                y.sum().backward()?;
            }
            Ok(())
        })
        .unwrap();
}

/// `op_program` property case 17 and `shapes` property case 242, after the f32x8 reductions
/// landed: an axis sum or max over `[n, k, 0]` (k > 1, so no length-1 shortcut) split its empty
/// output with `chunks_mut(inner)` and panicked with "chunk size must be non-zero". Fix
/// (`kernels::reduce::sum_axis`, `kernels::reduce::max_axis`): an empty output returns first.
#[test]
fn axis_reductions_with_empty_inner_dims_do_not_split_by_zero() {
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::zeros(&[3, 4, 0])?);
            for (y, shape) in [
                (x.try_sum_axis(1, false)?, vec![3, 0]),
                (x.try_mean_axis(1, true)?, vec![3, 1, 0]),
                (x.try_max_axis(1, false)?, vec![3, 0]),
                (x.try_softmax(1)?, vec![3, 4, 0]),
            ] {
                assert_eq!(y.shape(), &shape[..]);
                y.sum().backward()?;
            }
            Ok(())
        })
        .unwrap();
}

/// `shapes` crash-74653398 (a 10-minute run after the f32x8 row kernels landed): `Tensor::full`
/// of `[75, 1]`, permuted, log-softmaxed six times (every value `−ln 75`), then `layer_norm`
/// gave `−3.0e-4` instead of 0. The row mean was an `f32` lane sum of 75 equal values divided
/// by 75, which is not the value itself, so `x − μ` was a few ulps and `(x − μ)/√(var + ε)`
/// visible. PyTorch (Welford moments) gives exactly 0. Fix (`kernels::rowwise::simd::moments`):
/// the mean is summed from the data shifted by the row's first element.
#[test]
fn shapes_layer_norm_of_a_constant_row_is_zero() {
    let input = include_bytes!("fuzz_inputs/shapes-74653398.bin");
    shapes::check(input);
    Graph::new()
        .run(|g| {
            let x = g.leaf(Tensor::full(&[1, 75], -(75f32.ln()))?);
            let y = x.try_layer_norm(None, None, 1e-5)?;
            assert!(y.data().iter().all(|&v| v == 0.0), "{:?}", &y.data()[..8]);
            Ok(())
        })
        .unwrap();
}

/// `optim` crash-f5caba1d (found by the fuzz build, which, like a user's build without
/// `-C target-cpu=native`, has no FMA): centered RMSprop stepped an element of `f32::MAX` to
/// NaN where the scalar reference kept `f32::MAX`. Without FMA, wide's `f32x8::mul_add` rounds
/// twice while the tails and scalar twins called `f32::mul_add` (one rounding), so lanes and
/// tails disagreed, here between an overflow to infinity and a finite value. Fix
/// (`kernels::simd::fma`): every scalar multiply-add rounds as the lanes in use do. The input
/// replays in every kind of build and level (the property tests run it too).
#[test]
fn optim_multiply_add_rounds_alike_in_lanes_and_tails() {
    optim::check(include_bytes!("fuzz_inputs/optim-f5caba1d.bin"));
    // `fma` rounds once exactly when the lanes in use do: the build's FMA lanes, or the
    // AVX2+FMA or AVX-512 form a default build chooses at run time (`simd_level`)
    let (a, b) = (1.0 + f32::EPSILON, 1.0 - f32::EPSILON);
    let fused = arenagrad::kernels::simd::fma(a, b, -1.0) != 0.0;
    let lanes_fuse = cfg!(any(
        target_feature = "fma",
        all(target_arch = "aarch64", target_feature = "neon")
    )) || matches!(arenagrad::simd_level(), "avx2+fma" | "avx512");
    assert_eq!(fused, lanes_fuse);
}

/// `optim` property case 15 (the empty input): an optimizer over a store whose parameters are
/// all empty rejected its own `state_dict` ("need state buffers this optimizer was built
/// without"): SGD with momentum, RMSprop with momentum or centered, and Adam/AdamW with amsgrad
/// decided whether a state buffer exists by its emptiness, and a buffer over zero elements is
/// empty. Fix (`optim/sgd.rs`, `rmsprop.rs`, `adam.rs`): a flag set at construction.
#[test]
fn optim_empty_store_reloads_its_own_state() {
    optim::check(&[]);
    let mut params = ParamStore::new();
    params.add("empty", Tensor::zeros(&[0]).unwrap()).unwrap();
    let sgd = SgdConfig {
        momentum: 0.9,
        ..Default::default()
    };
    let rms = RmspropConfig {
        centered: true,
        momentum: 0.5,
        ..Default::default()
    };
    let adam = AdamConfig {
        amsgrad: true,
        ..Default::default()
    };
    let mut opts: Vec<Box<dyn Optimizer>> = vec![
        Box::new(Sgd::new(&params, sgd).unwrap()),
        Box::new(Rmsprop::new(&params, rms).unwrap()),
        Box::new(Adam::new(&params, adam).unwrap()),
    ];
    for opt in &mut opts {
        params.set_grad(params.get("empty").unwrap(), &[]).unwrap();
        opt.step(&mut params);
        let state = opt.state_dict(&params);
        opt.load_state_dict(&params, &state).unwrap();
    }
}

/// `op_program` crash-19cae6e0: not an arenagrad bug but a reference too strict where the
/// gradient is badly conditioned. A chain of scalar ops brought a leaf to `x = −135.07559`
/// (43π − 0.0129), one f32 rounding (1.6e-5) from the reference's `f64` value; `cos` there has
/// derivative `−sin x ≈ 0.0129`, which that rounding moves by 1.2e-3 of itself, past the
/// reference's 1e-3. PyTorch computes the same `−sin` of the same `f32` argument. Fix (the
/// reference, `fuzz/src/op_program/mirror.rs`): `sin`/`cos` nodes whose derivative the
/// argument's rounding can move by more than half the tolerance are rough (not compared).
/// (The file was re-encoded when the instruction byte went from `% 14` to `% 16` for the CNN
/// instructions: each instruction byte reduced `% 14`, the same program.)
#[test]
fn op_program_cos_at_a_large_argument_near_a_zero_of_its_derivative() {
    op_program::check(include_bytes!("fuzz_inputs/op_program-19cae6e0.bin"));
    // arenagrad's derivative is −sin of the f32 argument it was given, to f32 accuracy
    let x = -135.075_59_f32;
    Graph::new()
        .run(|g| {
            let v = g.leaf(Tensor::scalar(x));
            v.cos().backward()?;
            let got = v.grad().expect("a gradient").item() as f64;
            let want = -(x as f64).sin();
            assert!(
                (got - want).abs() <= 4.0 * f32::EPSILON as f64 * want.abs(),
                "cos backward at {x}: {got} vs −sin(x) = {want}"
            );
            Ok(())
        })
        .unwrap();
}

/// `op_program` property case 6 (`tests/fuzz_inputs/op_program-attn-nan-score.bin`): a query
/// row of `scaled_dot_product_attention` whose scores include NaN or `+∞` (a NaN or infinite
/// query or key element, or `q·k` overflowing `f32`) came out as 0, as if the mask allowed no
/// key, where the definition `softmax(scale·q·kᵀ)·v` and PyTorch's CPU kernel give NaN
/// (`exp(∞ − ∞)`): the kernel's forward (`src/kernels/attention.rs`, `forward_pair`) takes
/// `sum > 0.0` for "some key was attended", which NaN fails, so NaN is silently replaced by
/// zeros (and `lse = +∞`), while backward still gives NaN gradients. Not fixed yet.
#[test]
fn op_program_attention_nan_score_is_not_a_masked_row() {
    op_program::check(include_bytes!("fuzz_inputs/op_program-attn-nan-score.bin"));
    for (qx, kx) in [
        (f32::NAN, 1.0),
        (f32::INFINITY, 1.0),
        (1.0, f32::NAN),
        (1e30, 1e30),
    ] {
        Graph::new()
            .run(|g| {
                let q = g.input(Tensor::new(vec![qx], &[1, 1, 1])?);
                let k = g.input(Tensor::new(vec![kx], &[1, 1, 1])?);
                let v = g.input(Tensor::new(vec![2.0], &[1, 1, 1])?);
                let y = q.try_scaled_dot_product_attention(k, v, None, false, None)?;
                let y = y.item();
                assert!(y.is_nan(), "q {qx}, k {kx}: {y} instead of NaN");
                Ok(())
            })
            .unwrap();
    }
}
