//! [`DataLoader`]: seeded minibatches of a [`TensorDataset`] gathered into reused buffers.

use super::batch::Batch;
use super::dataset::TensorDataset;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// Minibatches of a [`TensorDataset`], PyTorch's `DataLoader(ds, batch_size, shuffle,
/// drop_last)` with a seeded [`Rng`] in place of the global generator.
///
/// [`next_batch`](Self::next_batch) lends the next batch out of buffers the loader owns, sized
/// for a full batch when the loader is built: iterating allocates nothing. It returns `None`
/// once at the end of each epoch; the call after that starts the next epoch (and reshuffles).
/// See the [module docs](super) for the shuffle.
///
/// ```
/// use arenagrad::data::{DataLoader, TensorDataset};
/// use arenagrad::{Rng, Tensor};
/// let x = Tensor::new((0..10).map(|v| v as f32).collect(), &[5, 2])?;
/// let ds = TensorDataset::with_labels(x, vec![0, 1, 2, 3, 4])?;
/// let mut loader = DataLoader::new(&ds, 2)?.shuffle(Rng::seed(0));
/// for _epoch in 0..2 {
///     let mut seen = vec![];
///     while let Some(batch) = loader.next_batch() {
///         assert_eq!(batch.features_shape(), &[batch.len(), 2]);
///         for (row, &label) in batch.features().chunks(2).zip(batch.targets()) {
///             assert_eq!(row, [2.0 * label as f32, 2.0 * label as f32 + 1.0]); // rows stay paired
///         }
///         seen.extend_from_slice(batch.targets());
///     }
///     seen.sort();
///     assert_eq!(seen, [0, 1, 2, 3, 4]); // each sample once per epoch; the last batch has 1
/// }
/// # Ok::<(), arenagrad::Error>(())
/// ```
#[derive(Debug)]
pub struct DataLoader<'d, T = f32> {
    dataset: &'d TensorDataset<T>,
    batch_size: usize,
    drop_last: bool,
    rng: Option<Rng>,
    /// The sample order, permuted in place at the start of every epoch when shuffling.
    order: Vec<usize>,
    /// Where the next batch starts in `order`; `None` between epochs.
    pos: Option<usize>,
    epoch: usize,
    features: Vec<f32>,
    targets: Vec<T>,
    features_shape: Vec<usize>,
    target_shape: Vec<usize>,
}

impl<'d, T: Copy> DataLoader<'d, T> {
    /// Batches of `batch_size` samples in dataset order, the last one smaller when
    /// `batch_size` does not divide the dataset (PyTorch's defaults: `shuffle=False`,
    /// `drop_last=False`). A `batch_size` of 0 is an [`Error::InvalidArgument`].
    ///
    /// ```
    /// use arenagrad::data::{DataLoader, TensorDataset};
    /// use arenagrad::Tensor;
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[5, 1])?, vec![0; 5])?;
    /// assert_eq!(DataLoader::new(&ds, 2)?.num_batches(), 3);
    /// assert!(DataLoader::new(&ds, 0).unwrap_err().to_string().contains("batch size"));
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn new(dataset: &'d TensorDataset<T>, batch_size: usize) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::InvalidArgument {
                op: "DataLoader::new",
                message: "the batch size is 0; pass a batch size of at least 1".into(),
            });
        }
        let rows = batch_size.min(dataset.len());
        let features_shape = dataset.features().shape().to_vec();
        let target_shape = dataset.target_shape().to_vec();
        Ok(DataLoader {
            dataset,
            batch_size,
            drop_last: false,
            rng: None,
            order: (0..dataset.len()).collect(),
            pos: None,
            epoch: 0,
            // a full batch's room up front: no batch ever grows them
            features: Vec::with_capacity(rows * dataset.feature_row()),
            targets: Vec::with_capacity(rows * dataset.target_row()),
            features_shape,
            target_shape,
        })
    }

    /// Reshuffles the samples at the start of every epoch with `rng` (`shuffle=True`).
    ///
    /// ```
    /// use arenagrad::data::{DataLoader, TensorDataset};
    /// use arenagrad::{Rng, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[100, 1])?, (0..100).collect())?;
    /// let mut loader = DataLoader::new(&ds, 100)?.shuffle(Rng::seed(7));
    /// let first = loader.next_batch().unwrap().targets().to_vec();
    /// assert_ne!(first, (0..100).collect::<Vec<_>>());
    /// let mut again = DataLoader::new(&ds, 100)?.shuffle(Rng::seed(7));
    /// assert_eq!(again.next_batch().unwrap().targets(), first); // same seed, same order
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn shuffle(mut self, rng: Rng) -> Self {
        self.rng = Some(rng);
        self
    }

    /// Drops the last batch of an epoch when it would be smaller than the batch size
    /// (`drop_last=True`).
    ///
    /// ```
    /// use arenagrad::data::{DataLoader, TensorDataset};
    /// use arenagrad::Tensor;
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[5, 1])?, vec![0; 5])?;
    /// let mut loader = DataLoader::new(&ds, 2)?.drop_last(true);
    /// assert_eq!(loader.num_batches(), 2);
    /// assert_eq!(loader.next_batch().unwrap().len(), 2);
    /// assert_eq!(loader.next_batch().unwrap().len(), 2);
    /// assert!(loader.next_batch().is_none());
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn drop_last(mut self, drop_last: bool) -> Self {
        self.drop_last = drop_last;
        self
    }

    /// Batches per epoch (PyTorch's `len(loader)`).
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[10, 1])?, vec![0; 10])?;
    /// assert_eq!(DataLoader::new(&ds, 4)?.num_batches(), 3);
    /// assert_eq!(DataLoader::new(&ds, 4)?.drop_last(true).num_batches(), 2);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn num_batches(&self) -> usize {
        let n = self.dataset.len();
        if self.drop_last {
            n / self.batch_size
        } else {
            n.div_ceil(self.batch_size)
        }
    }

    /// Epochs started so far: 0 before the first batch, 1 during the first epoch, ...
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[1, 1])?, vec![0])?;
    /// let mut loader = DataLoader::new(&ds, 1)?;
    /// assert_eq!(loader.epoch(), 0);
    /// while loader.next_batch().is_some() {}
    /// assert_eq!(loader.epoch(), 1);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The next batch of the current epoch, or `None` when the epoch is over; the call after a
    /// `None` starts a new epoch (reshuffling first when shuffling). Allocates nothing.
    ///
    /// ```
    /// # use arenagrad::{data::{DataLoader, TensorDataset}, Tensor};
    /// let ds = TensorDataset::with_labels(Tensor::zeros(&[3, 1])?, vec![5, 6, 7])?;
    /// let mut loader = DataLoader::new(&ds, 2)?;
    /// assert_eq!(loader.next_batch().unwrap().targets(), &[5, 6]);
    /// assert_eq!(loader.next_batch().unwrap().targets(), &[7]);
    /// assert!(loader.next_batch().is_none());                  // end of epoch 1
    /// assert_eq!(loader.next_batch().unwrap().targets(), &[5, 6]); // epoch 2
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn next_batch(&mut self) -> Option<Batch<'_, T>> {
        let start = match self.pos {
            Some(p) => p,
            None => self.start_epoch(),
        };
        let n = self.order.len();
        let rows = self.batch_size.min(n - start);
        if rows == 0 || (self.drop_last && rows < self.batch_size) {
            self.pos = None;
            return None;
        }
        self.pos = Some(start + rows);
        let indices = &self.order[start..start + rows];
        let (xr, yr) = (self.dataset.feature_row(), self.dataset.target_row());
        let (x, y) = (self.dataset.features().data(), self.dataset.targets());
        self.features.clear();
        self.targets.clear();
        for &i in indices {
            self.features.extend_from_slice(&x[i * xr..(i + 1) * xr]);
            self.targets.extend_from_slice(&y[i * yr..(i + 1) * yr]);
        }
        self.features_shape[0] = rows;
        self.target_shape[0] = rows;
        Some(Batch {
            indices,
            features: &self.features,
            features_shape: &self.features_shape,
            targets: &self.targets,
            target_shape: &self.target_shape,
        })
    }

    /// Reshuffles `order` (when shuffling) and returns the first batch's start, 0.
    fn start_epoch(&mut self) -> usize {
        if let Some(rng) = &mut self.rng {
            shuffle(&mut self.order, rng);
        }
        self.epoch += 1;
        0
    }
}

/// Fisher-Yates from the back, `j = next_u64() % (i + 1)`: one draw per position `i >= 1`.
/// The modulo bias is below `n / 2^64`, i.e. under 2^-40 for a trillion samples.
pub(crate) fn shuffle(order: &mut [usize], rng: &mut Rng) {
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
}
