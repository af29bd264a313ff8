//! Errors: one `#[non_exhaustive]` enum for the whole crate.
//!
//! Every variant names the operation that failed and the shapes (or keys) involved, and its
//! `Display` text ends with what to do about it. The panicking forms of fallible operations
//! (`a + b`, `x.reshape(..)`) panic with exactly this text, so a test of the `try_` form also
//! pins the panic message.

use std::fmt;

/// The result type of every fallible arenagrad operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in arenagrad.
///
/// ```
/// use arenagrad::prelude::*;
/// let err = Tensor::new(vec![1.0, 2.0, 3.0], &[2, 2]).unwrap_err();
/// assert!(err.to_string().contains("Tensor::new"));
/// assert!(err.to_string().contains("[2, 2]"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(missing_docs)] // fields are the op name and the shapes/keys each variant's doc names
pub enum Error {
    /// Two shapes that must broadcast (NumPy rules) or match exactly do not.
    ShapeMismatch {
        op: &'static str,
        lhs: Vec<usize>,
        rhs: Vec<usize>,
    },
    /// A matrix product whose inner dimensions differ, or an operand of rank 0.
    MatmulMismatch {
        op: &'static str,
        lhs: Vec<usize>,
        rhs: Vec<usize>,
    },
    /// An axis outside `-rank..rank`.
    BadAxis {
        op: &'static str,
        axis: isize,
        shape: Vec<usize>,
    },
    /// A reshape to a different number of elements.
    ReshapeNumel {
        op: &'static str,
        from: Vec<usize>,
        to: Vec<usize>,
    },
    /// Data whose length does not match the shape it is given.
    DataLength {
        op: &'static str,
        shape: Vec<usize>,
        len: usize,
    },
    /// A shape with too many elements: the product of its non-zero dims exceeds
    /// [`MAX_NUMEL`](crate::shape::MAX_NUMEL) (`isize::MAX` bytes of `f32`), even when a zero dim
    /// makes it empty.
    SizeOverflow { op: &'static str, shape: Vec<usize> },
    /// An index (embedding id, class target, slice bound) outside its range.
    IndexOutOfRange {
        op: &'static str,
        index: usize,
        size: usize,
        shape: Vec<usize>,
    },
    /// A range `start..start + len` along `axis` (a `narrow`) that does not fit in the
    /// dimension's `size` (or whose end overflows).
    RangeOutOfBounds {
        op: &'static str,
        axis: usize,
        start: usize,
        len: usize,
        size: usize,
        shape: Vec<usize>,
    },
    /// An operation that needs at least one element got an empty tensor.
    Empty { op: &'static str, shape: Vec<usize> },
    /// A second backward through a graph whose saved buffers were released by the first.
    GraphFreed { op: &'static str },
    /// `backward()` on an output with more than one element and no explicit gradient.
    NonScalarBackward { shape: Vec<usize> },
    /// `backward()` on a value that does not require grad (a constant, a detached value, or
    /// one built under `no_grad`).
    NoGradFn { shape: Vec<usize> },
    /// An explicit output gradient whose shape differs from the output's.
    GradShape {
        op: &'static str,
        expected: Vec<usize>,
        got: Vec<usize>,
    },
    /// [`grad`](crate::grad) was asked for the gradient of an input (`inputs[index]`, of
    /// `shape`) that the outputs do not depend on, without `allow_unused`.
    UnusedInput { index: usize, shape: Vec<usize> },
    /// A parameter handle from another `ParamStore`, or a graph scope without one.
    ForeignParam { op: &'static str, name: String },
    /// A parameter name registered twice.
    DuplicateParam { name: String },
    /// An argument outside its valid range (a negative learning rate, a probability above 1, ...).
    InvalidArgument { op: &'static str, message: String },
    /// io: reading or writing a file failed (not found, permission denied, disk full).
    Io {
        op: &'static str,
        path: String,
        kind: std::io::ErrorKind,
        message: String,
    },
    /// io: bytes that are not a valid safetensors file (truncated, corrupt), a tensor whose
    /// dtype does not convert to f32, or an `I64` value that f32 cannot hold exactly.
    Format { op: &'static str, message: String },
    /// io: a file or a name -> tensor map whose keys or shapes differ from the store's
    /// (PyTorch's load_state_dict errors). `mismatched` holds `(key, shape in the store, shape in the file)`.
    StateDict {
        op: &'static str,
        missing: Vec<String>,
        unexpected: Vec<String>,
        mismatched: Vec<(String, Vec<usize>, Vec<usize>)>,
    },
    /// create_graph (or [`grad`](crate::grad) with create_graph) reached a custom op that has
    /// only the plain backward ([`CustomOp::backward_graph`](crate::custom::CustomOp) not
    /// implemented).
    CustomNotDifferentiable { op: &'static str },
    /// A custom op's differentiable backward returned `got` gradients for `expected` inputs.
    CustomGradCount {
        op: &'static str,
        expected: usize,
        got: usize,
    },
    /// A custom op's backward returned for input `input` a gradient of shape `got`; the
    /// input has shape `expected`.
    CustomGradShape {
        op: &'static str,
        input: usize,
        expected: Vec<usize>,
        got: Vec<usize>,
    },
    /// `op` needs what an evaluation scope ([`Graph::eval_with`](crate::Graph::eval_with))
    /// does not lend: a backward pass, or a buffer to write. The scope shares the store
    /// read-only and records no gradient.
    EvalScope { op: &'static str },
}

/// Formats a shape the way PyTorch prints sizes: `[2, 3]`, `[]` for a scalar.
struct ShapeText<'a>(pub &'a [usize]);

impl fmt::Display for ShapeText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ShapeMismatch { op, lhs, rhs } => write!(
                f,
                "{op}: shapes {} and {} are not compatible: {}",
                ShapeText(lhs),
                ShapeText(rhs),
                shape_rule(op)
            ),
            Error::MatmulMismatch { op, lhs, rhs } => write!(
                f,
                "{op}: cannot multiply {} by {}: the last dimension of the left operand must \
                 equal the second-to-last of the right (both need rank >= 1); transpose or \
                 reshape an operand",
                ShapeText(lhs),
                ShapeText(rhs)
            ),
            Error::BadAxis { op, axis, shape } => write!(
                f,
                "{op}: axis {axis} is out of range for shape {} (rank {}); use an axis in \
                 -{}..{}",
                ShapeText(shape),
                shape.len(),
                shape.len(),
                shape.len()
            ),
            Error::ReshapeNumel { op, from, to } => write!(
                f,
                "{op}: cannot reshape {} ({} elements) to {} ({} elements); the element counts \
                 must be equal",
                ShapeText(from),
                from.iter().product::<usize>(),
                ShapeText(to),
                to.iter().product::<usize>()
            ),
            Error::DataLength { op, shape, len } => write!(
                f,
                "{op}: shape {} needs {} values but {len} were given; pass data of the shape's \
                 element count",
                ShapeText(shape),
                shape
                    .iter()
                    .try_fold(1usize, |a, &d| a.checked_mul(d))
                    .map_or("too many".to_string(), |n| n.to_string())
            ),
            Error::SizeOverflow { op, shape } => write!(
                f,
                "{op}: shape {} has more elements than fit in memory (usize overflow); use \
                 smaller dimensions",
                ShapeText(shape)
            ),
            Error::IndexOutOfRange {
                op,
                index,
                size,
                shape,
            } => write!(
                f,
                "{op}: index {index} is out of range for a dimension of size {size} (shape {}); \
                 indices must be in 0..{size}",
                ShapeText(shape)
            ),
            Error::RangeOutOfBounds {
                op,
                axis,
                start,
                len,
                size,
                shape,
            } => write!(
                f,
                "{op}: the range of length {len} starting at {start} (elements {start}..{}) is \
                 out of bounds for dimension {axis} of size {size} (shape {}); start + length \
                 must be at most {size}",
                start
                    .checked_add(*len)
                    .map_or("past usize::MAX".to_string(), |end| end.to_string()),
                ShapeText(shape)
            ),
            Error::Empty { op, shape } => write!(
                f,
                "{op}: needs at least one element but got shape {}; pass a non-empty tensor",
                ShapeText(shape)
            ),
            Error::UnusedInput { index, shape } => write!(
                f,
                "grad: input {index} (shape {}) is not used by the outputs, so it has no \
                 gradient; pass GradOptions::allow_unused(true) to get None for it",
                ShapeText(shape)
            ),
            Error::GraphFreed { op } => write!(
                f,
                "{op}: trying to backward through the graph a second time; its saved buffers \
                 were released by the first backward. Pass Backward::retain_graph() to the \
                 first call if you need to backward through the graph again"
            ),
            Error::NonScalarBackward { shape } => write!(
                f,
                "backward: grad can be implicitly created only for scalar outputs, but the \
                 output has shape {}; pass an explicit output gradient with \
                 Backward::gradient(..) or reduce the output (e.g. .sum()) first",
                ShapeText(shape)
            ),
            Error::NoGradFn { shape } => write!(
                f,
                "backward: the output (shape {}) does not require grad and has no grad_fn: it \
                 was built from constants, under no_grad, or detached; build it from leaves or \
                 parameters outside no_grad",
                ShapeText(shape)
            ),
            Error::GradShape { op, expected, got } => write!(
                f,
                "{op}: the output gradient has shape {} but the output has shape {}; pass a \
                 gradient of the output's shape",
                ShapeText(got),
                ShapeText(expected)
            ),
            Error::EvalScope { op } => write!(
                f,
                "{op}: this graph runs under Graph::eval_with (no_grad and evaluation mode, on a \
                 shared &ParamStore), which records no backward and changes no buffer; build \
                 the graph with Graph::run_with(&mut store, ..) to train or to update buffers"
            ),
            Error::ForeignParam { op, name } => write!(
                f,
                "{op}: parameter {name:?} does not belong to the ParamStore this graph runs \
                 with; run the graph with Graph::run_with(&mut store, ..) or \
                 Graph::eval_with(&store, ..) on the store that registered it"
            ),
            Error::DuplicateParam { name } => write!(
                f,
                "ParamStore::add: a parameter named {name:?} already exists; give each \
                 parameter a unique name (PyTorch state_dict keys are unique)"
            ),
            Error::InvalidArgument { op, message } => write!(f, "{op}: {message}"),
            Error::Io {
                op, path, message, ..
            } => write!(f, "{op}: {path:?}: {message}"),
            Error::Format { op, message } => write!(f, "{op}: {message}"),
            Error::StateDict {
                op,
                missing,
                unexpected,
                mismatched,
            } => {
                write!(
                    f,
                    "{op}: the state dict (a file's tensors or a name -> Tensor map) does not \
                     match the ParamStore:"
                )?;
                if !missing.is_empty() {
                    write!(
                        f,
                        " missing keys (in the store, not in the state dict) {missing:?};"
                    )?;
                }
                if !unexpected.is_empty() {
                    write!(
                        f,
                        " unexpected keys (in the state dict, not in the store) {unexpected:?};"
                    )?;
                }
                for (key, store, file) in mismatched {
                    write!(
                        f,
                        " size mismatch for {key:?}: the store has {}, the state dict {};",
                        ShapeText(store),
                        ShapeText(file)
                    )?;
                }
                write!(
                    f,
                    " check the model's sizes and name prefix, or load non-strictly \
                     (LoadOptions {{ strict: false }}, or strict = false for \
                     ParamStore::load_state_dict) to load the keys that match and get the rest \
                     in a LoadReport"
                )
            }
            Error::CustomNotDifferentiable { op } => write!(
                f,
                "{op}: this custom op has only the plain backward, so create_graph cannot \
                 record it for a gradient of a gradient; implement CustomOp::backward_graph \
                 (its backward written with Var ops), or differentiate it once only \
                 (backward, or grad without create_graph)"
            ),
            Error::CustomGradCount { op, expected, got } => write!(
                f,
                "{op}: the custom op's backward_graph returned {got} gradients for its \
                 {expected} inputs; return one Option<Var> per input (None for an input it \
                 does not differentiate)"
            ),
            Error::CustomGradShape {
                op,
                input,
                expected,
                got,
            } => write!(
                f,
                "{op}: the custom op's backward_graph returned a gradient of shape {} for \
                 input {input}, which has shape {}; return each input's gradient in that \
                 input's shape (sum broadcast axes away)",
                ShapeText(got),
                ShapeText(expected)
            ),
        }
    }
}

impl std::error::Error for Error {}

/// What two shapes must satisfy for `op`, and what to do: the second half of a
/// [`Error::ShapeMismatch`] message. Most ops broadcast; the others say their own rule.
fn shape_rule(op: &str) -> &'static str {
    match op {
        "concat" => {
            "all inputs need the same rank and equal sizes except on the concatenation axis; \
             reshape the inputs or pick another axis"
        }
        "stack" => "all inputs need the same shape; reshape or pad them to one shape",
        "layer_norm" => "weight and bias need shape [D], D being the input's last dimension",
        "rms_norm" => {
            "normalized_shape must be the input's trailing dimensions and the weight must have \
             shape normalized_shape"
        }
        "batch_norm" => {
            "weight, bias and the running mean and variance need shape [C], C being the \
             input's dim 1"
        }
        "cross_entropy" | "nll_loss" => {
            "pass one class index per row of the [N, C] input (N targets)"
        }
        "ParamStore::set_value" => {
            "the value must have the parameter's shape exactly; reshape it to the parameter's \
             shape first"
        }
        o if o.ends_with("_loss") || o.starts_with("binary_cross_entropy") => {
            "input and target need the same shape (losses do not broadcast); reshape the target"
        }
        o if o.starts_with("Linear") || o == "linear" => {
            "the bias needs shape [out_features] and the input's last dimension must be \
             in_features"
        }
        _ => {
            "they must be equal or broadcast by NumPy rules (trailing dimensions equal or 1); \
             reshape or expand one operand"
        }
    }
}

/// Unwraps the result of a `try_` operation for its panicking twin, with the error's text.
#[track_caller]
pub(crate) fn or_panic<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}
