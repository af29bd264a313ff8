//! The digits data: reading `data/digits.csv.gz` and splitting it into train and test sets.
//!
//! Data: the UCI "Optical Recognition of Handwritten Digits" set (E. Alpaydin, C. Kaynak; CC BY
//! 4.0), 1,797 rows of 64 pixels (8x8, integers 0..=16) and a label 0..=9. Rows whose index
//! % 5 == 4 are the test set (359 rows), the rest train (1,438); pixels are divided by 16.
//! `scripts/digits_torch.py` and `scripts/digits_cnn_torch.py` split and scale the same way.
//! Each split is an arenagrad [`TensorDataset`]: pixels `[N, 64]` and class labels.

use std::io::{BufRead, BufReader};
use std::path::Path;

use arenagrad::data::TensorDataset;
use arenagrad::Tensor;
use flate2::read::GzDecoder;

/// Pixels per image (8x8).
pub const PIXELS: usize = 64;
/// Classes (digits 0..=9).
pub const CLASSES: usize = 10;

/// The data file shipped with the repository.
pub const DATA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz");

/// Images as rows of `PIXELS` values in `[0, 1]` (features `[N, PIXELS]`), with their labels.
pub type Split = TensorDataset<usize>;

/// A split's rows as read, before they become a [`Split`].
#[derive(Default)]
struct Rows {
    x: Vec<f32>,
    y: Vec<usize>,
}

impl Rows {
    fn into_split(self) -> Result<Split, String> {
        let x = Tensor::new(self.x, &[self.y.len(), PIXELS]).map_err(|e| e.to_string())?;
        TensorDataset::with_labels(x, self.y).map_err(|e| e.to_string())
    }
}

/// The train and test splits.
pub struct Digits {
    pub train: Split,
    pub test: Split,
}

/// Reads the gzipped CSV (64 pixel values, then the label, per line) and splits it.
pub fn load(path: &Path) -> Result<Digits, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (mut train, mut test) = (Rows::default(), Rows::default());
    for (i, line) in BufReader::new(GzDecoder::new(file)).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        let bad = |what: &str| format!("{} line {}: {what}", path.display(), i + 1);
        let fields: Vec<&str> = line.trim().split(',').collect();
        if fields.len() != PIXELS + 1 {
            return Err(bad(&format!(
                "{} fields, expected {}",
                fields.len(),
                PIXELS + 1
            )));
        }
        let split = if i % 5 == 4 { &mut test } else { &mut train };
        for f in &fields[..PIXELS] {
            let v: f32 = f.parse().map_err(|_| bad(&format!("pixel {f:?}")))?;
            split.x.push(v / 16.0);
        }
        let label: usize = fields[PIXELS].parse().map_err(|_| bad("label"))?;
        if label >= CLASSES {
            return Err(bad(&format!("label {label} is not a digit")));
        }
        split.y.push(label);
    }
    Ok(Digits {
        train: train.into_split()?,
        test: test.into_split()?,
    })
}
