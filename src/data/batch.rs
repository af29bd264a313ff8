//! [`Batch`]: one minibatch as slices into the loader's buffers, with their shapes.

/// One minibatch, lent by [`DataLoader::next_batch`](super::DataLoader::next_batch): the samples' feature rows and target
/// rows, gathered row-major, with their shapes (`[batch, ...]`).
///
/// ```
/// use arenagrad::data::{DataLoader, TensorDataset};
/// use arenagrad::prelude::*;
/// let ds = TensorDataset::with_labels(Tensor::ones(&[3, 4])?, vec![0, 1, 0])?;
/// let mut loader = DataLoader::new(&ds, 2)?;
/// let batch = loader.next_batch().unwrap();
/// assert_eq!((batch.len(), batch.indices()), (2, &[0, 1][..]));
/// Graph::new().run(|g| {
///     let x = g.try_input_slice(batch.features(), batch.features_shape())?;
///     let loss = x.try_narrow(1, 0, 2)?.cross_entropy(batch.targets())?;
///     assert!((loss.item() - 2f32.ln()).abs() < 1e-6); // equal logits: ln 2
///     Ok(())
/// })?;
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug)]
pub struct Batch<'a, T = f32> {
    pub(super) indices: &'a [usize],
    pub(super) features: &'a [f32],
    pub(super) features_shape: &'a [usize],
    pub(super) targets: &'a [T],
    pub(super) target_shape: &'a [usize],
}

impl<T> Batch<'_, T> {
    /// The number of samples in the batch.
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[3, 2])?, vec![0; 3])?;
    /// assert_eq!(DataLoader::new(&ds, 8)?.next_batch().unwrap().len(), 3);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Always false: the loader yields no empty batch.
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[1, 2])?, vec![0])?;
    /// assert!(!DataLoader::new(&ds, 8)?.next_batch().unwrap().is_empty());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The dataset indices of the batch's samples, in batch order.
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[3, 2])?, vec![0; 3])?;
    /// let mut loader = DataLoader::new(&ds, 2)?;
    /// loader.next_batch();
    /// assert_eq!(loader.next_batch().unwrap().indices(), &[2]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn indices(&self) -> &[usize] {
        self.indices
    }

    /// The feature rows, row-major in [`features_shape`](Self::features_shape).
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::new(vec![1.0, 2.0], &[2, 1])?, vec![0, 0])?;
    /// assert_eq!(DataLoader::new(&ds, 2)?.next_batch().unwrap().features(), &[1.0, 2.0]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn features(&self) -> &[f32] {
        self.features
    }

    /// `[batch, ...]`: the dataset's feature shape with the batch's size first.
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[5, 1, 8, 8])?, vec![0; 5])?;
    /// assert_eq!(DataLoader::new(&ds, 4)?.next_batch().unwrap().features_shape(), &[4, 1, 8, 8]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn features_shape(&self) -> &[usize] {
        self.features_shape
    }

    /// The target rows, row-major in [`target_shape`](Self::target_shape): for labels, one
    /// class index per sample, ready for `cross_entropy`.
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::new(Tensor::zeros(&[2, 3])?, Tensor::new(vec![0.5, 1.5], &[2])?)?;
    /// assert_eq!(DataLoader::new(&ds, 2)?.next_batch().unwrap().targets(), &[0.5, 1.5]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn targets(&self) -> &[T] {
        self.targets
    }

    /// `[batch, ...]`: the dataset's target shape with the batch's size first.
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::new(Tensor::zeros(&[3, 2])?, Tensor::zeros(&[3, 4])?)?;
    /// assert_eq!(DataLoader::new(&ds, 2)?.next_batch().unwrap().target_shape(), &[2, 4]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn target_shape(&self) -> &[usize] {
        self.target_shape
    }
}
