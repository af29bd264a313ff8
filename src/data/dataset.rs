//! [`TensorDataset`]: features and targets held in memory, one row per sample.

use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// Samples in memory: a features tensor of shape `[N, ...]` and `N` targets, PyTorch's
/// `TensorDataset(features, targets)`.
///
/// `T` is the target element type: `f32` for regression targets (a [`Tensor`] of shape
/// `[N, ...]`, from [`TensorDataset::new`]) or `usize` for class labels (one per sample, from
/// [`TensorDataset::with_labels`]), the type [`cross_entropy`](crate::Var::cross_entropy) and
/// `nll_loss` take.
///
/// ```
/// use arenagrad::data::TensorDataset;
/// use arenagrad::Tensor;
/// let x = Tensor::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[3, 2])?;
/// let ds = TensorDataset::with_labels(x, vec![0, 1, 1])?;
/// assert_eq!(ds.len(), 3);
/// assert_eq!(ds.get(2), Some((&[4.0, 5.0][..], &[1][..])));
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TensorDataset<T = f32> {
    features: Tensor,
    targets: Vec<T>,
    /// `[N, ...]`: the targets' shape (`[N]` for labels).
    target_shape: Vec<usize>,
}

impl TensorDataset<f32> {
    /// Features `[N, ...]` and `f32` targets `[N, ...]` (a regression's values, one-hot
    /// rows, ...). Errors if either has rank 0 or their first dimensions differ.
    ///
    /// ```
    /// use arenagrad::data::TensorDataset;
    /// use arenagrad::Tensor;
    /// let x = Tensor::zeros(&[4, 3])?;
    /// let ds = TensorDataset::new(x.clone(), Tensor::zeros(&[4, 1])?)?;
    /// assert_eq!((ds.len(), ds.target_shape()), (4, &[4, 1][..]));
    /// let err = TensorDataset::new(x, Tensor::zeros(&[5])?).unwrap_err();
    /// assert!(err.to_string().contains("4 samples"));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn new(features: Tensor, targets: Tensor) -> Result<Self> {
        let target_shape = targets.shape().to_vec();
        if target_shape.is_empty() {
            return Err(rank0("targets"));
        }
        Self::from_parts(features, targets.into_vec(), target_shape)
    }
}

impl TensorDataset<usize> {
    /// Features `[N, ...]` and `N` class labels (indices in `0..C`, as cross-entropy takes
    /// them; `io::npy::load_labels` reads them from NumPy's
    /// `int64`). Errors if the features have rank 0 or the counts differ.
    ///
    /// ```
    /// use arenagrad::data::TensorDataset;
    /// use arenagrad::Tensor;
    /// let err = TensorDataset::with_labels(Tensor::zeros(&[2, 8])?, vec![3]).unwrap_err();
    /// assert!(err.to_string().contains("2 samples"));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn with_labels(features: Tensor, labels: Vec<usize>) -> Result<Self> {
        let target_shape = vec![labels.len()];
        Self::from_parts(features, labels, target_shape)
    }
}

impl<T: Copy> TensorDataset<T> {
    fn from_parts(features: Tensor, targets: Vec<T>, target_shape: Vec<usize>) -> Result<Self> {
        let Some(&n) = features.shape().first() else {
            return Err(rank0("features"));
        };
        if target_shape[0] != n {
            return Err(Error::InvalidArgument {
                op: "TensorDataset::new",
                message: format!(
                    "the features (shape {:?}) hold {n} samples but the targets (shape \
                     {target_shape:?}) hold {}; the first dimension of both is the sample \
                     index, so pass as many targets as feature rows",
                    features.shape(),
                    target_shape[0]
                ),
            });
        }
        Ok(TensorDataset {
            features,
            targets,
            target_shape,
        })
    }

    /// The number of samples, `N`.
    ///
    /// ```
    /// # use arenagrad::{data::TensorDataset, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[0, 5])?, vec![])?;
    /// assert_eq!((ds.len(), ds.is_empty()), (0, true));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.target_shape[0]
    }

    /// Whether there are no samples.
    ///
    /// ```
    /// # use arenagrad::{data::TensorDataset, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[1, 5])?, vec![0])?;
    /// assert!(!ds.is_empty());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All features, shape `[N, ...]`.
    ///
    /// ```
    /// # use arenagrad::{data::TensorDataset, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::ones(&[2, 3])?, vec![0, 1])?;
    /// assert_eq!(ds.features().shape(), &[2, 3]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn features(&self) -> &Tensor {
        &self.features
    }

    /// All targets, row-major in [`target_shape`](Self::target_shape).
    ///
    /// ```
    /// # use arenagrad::{data::TensorDataset, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::ones(&[2, 3])?, vec![7, 4])?;
    /// assert_eq!(ds.targets(), &[7, 4]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn targets(&self) -> &[T] {
        &self.targets
    }

    /// The targets' shape, `[N, ...]` (`[N]` for labels).
    ///
    /// ```
    /// # use arenagrad::{data::TensorDataset, Tensor};
    /// let ds = TensorDataset::new(Tensor::ones(&[2, 3])?, Tensor::zeros(&[2, 4])?)?;
    /// assert_eq!(ds.target_shape(), &[2, 4]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn target_shape(&self) -> &[usize] {
        &self.target_shape
    }

    /// Sample `i`'s feature row and target row, or `None` past the end.
    ///
    /// ```
    /// # use arenagrad::{data::TensorDataset, Tensor};
    /// let x = Tensor::new(vec![1.0, 2.0], &[2])?; // one feature per sample
    /// let ds = TensorDataset::new(x, Tensor::new(vec![10.0, 20.0], &[2])?)?;
    /// assert_eq!(ds.get(1), Some((&[2.0][..], &[20.0][..])));
    /// assert_eq!(ds.get(2), None);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn get(&self, i: usize) -> Option<(&[f32], &[T])> {
        if i >= self.len() {
            return None;
        }
        let (xr, yr) = (self.feature_row(), self.target_row());
        Some((
            &self.features.data()[i * xr..(i + 1) * xr],
            &self.targets[i * yr..(i + 1) * yr],
        ))
    }

    /// Values per feature row (the product of the features' trailing dimensions).
    pub(crate) fn feature_row(&self) -> usize {
        self.features.shape()[1..].iter().product()
    }

    /// Values per target row.
    pub(crate) fn target_row(&self) -> usize {
        self.target_shape[1..].iter().product()
    }
}

fn rank0(what: &str) -> Error {
    Error::InvalidArgument {
        op: "TensorDataset::new",
        message: format!(
            "the {what} are a rank-0 tensor; the first dimension must be the sample index, so \
             reshape them to [N, ...]"
        ),
    }
}
