//! Boolean masks (no gradient): which elements an op keeps, fills or lets attend.

use crate::error::{Error, Result};

/// A boolean tensor: row-major `data` with `shape`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    data: Vec<bool>,
    shape: Vec<usize>,
}

impl Mask {
    /// A mask from row-major `data` of `shape` ([`Error::DataLength`] when the counts differ).
    pub fn new(data: Vec<bool>, shape: &[usize]) -> Result<Self> {
        if data.len() != shape.iter().product::<usize>() {
            return Err(Error::DataLength {
                op: "Mask::new",
                shape: shape.to_vec(),
                len: data.len(),
            });
        }
        Ok(Mask {
            data,
            shape: shape.to_vec(),
        })
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The elements, row-major.
    pub fn data(&self) -> &[bool] {
        &self.data
    }
}
