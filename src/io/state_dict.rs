//! `ParamStore::state_dict` / `ParamStore::load_state_dict`: weights moved in memory as a
//! name → [`Tensor`] map, through the same strict / non-strict loader as files.
//!
//! The map is a `BTreeMap<String, Tensor>`, so its order is the keys' (byte-wise) order, not
//! registration order: the same type as [`SafeTensorsFile::tensors`](super::SafeTensorsFile),
//! so a file's tensors and a store's state dict are interchangeable, and a map cannot hold a
//! key twice. Registration order (PyTorch's `OrderedDict` order, parameters before buffers) is
//! [`ParamStore::metas`] then [`ParamStore::buffer_metas`].

use std::collections::BTreeMap;

use super::load::{self, LoadOptions, LoadReport};
use crate::error::Result;
use crate::params::ParamStore;
use crate::tensor::Tensor;

impl ParamStore {
    /// Every parameter and buffer as a copy, by name (PyTorch's `model.state_dict()`, with
    /// the same keys): what [`load_state_dict`](Self::load_state_dict) takes back. Integer
    /// buffers (`BufferDtype::I64`) hold their whole numbers as `f32`.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// let mut params = ParamStore::new();
    /// params.add("fc.weight", Tensor::ones(&[2, 3])?)?;
    /// params.add_buffer("bn.running_mean", Tensor::zeros(&[2])?)?;
    /// let state = params.state_dict();
    /// let keys: Vec<&str> = state.keys().map(String::as_str).collect();
    /// assert_eq!(keys, ["bn.running_mean", "fc.weight"]);        // name order
    /// assert_eq!(state["fc.weight"].shape(), &[2, 3]);
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn state_dict(&self) -> BTreeMap<String, Tensor> {
        let params = self.params().map(|p| (self.name(p), self.tensor(p)));
        let buffers = self
            .buffers()
            .map(|b| (self.buffer_name(b), self.buffer_tensor(b)));
        params
            .chain(buffers)
            .map(|(name, t)| (name.to_string(), t))
            .collect()
    }

    /// Copies the tensors of `state` into the parameters and buffers of the same names:
    /// PyTorch's `model.load_state_dict(state, strict)`, with the rules of the file loader
    /// ([`io::load_into`](crate::io::load_into)). `strict = true` makes any missing key,
    /// unexpected key or size mismatch an [`Error::StateDict`](crate::Error::StateDict) listing
    /// them all, and changes nothing; `strict = false` copies what matches and reports the rest
    /// in the [`LoadReport`] (a size mismatch is skipped, where PyTorch raises). A value for an
    /// integer buffer that is not a whole number is an
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument), before anything is copied.
    ///
    /// ```
    /// use arenagrad::prelude::*;
    /// use arenagrad::nn::Mlp;
    /// let mut trained = ParamStore::new();
    /// Mlp::new(&mut trained, &[4, 8, 2], &mut Rng::seed(0))?;
    /// let state = trained.state_dict();
    ///
    /// let mut params = ParamStore::new();
    /// let model = Mlp::zeros(&mut params, &[4, 8, 2])?;          // no Rng: weights come next
    /// let report = params.load_state_dict(&state, true)?;
    /// assert!(report.is_exact());
    /// assert_eq!(params.flat_data(), trained.flat_data());
    ///
    /// // a key the store does not have: an error when strict, reported when not
    /// let mut more = state.clone();
    /// more.insert("head.weight".into(), Tensor::zeros(&[1])?);
    /// assert!(matches!(params.load_state_dict(&more, true), Err(Error::StateDict { .. })));
    /// assert_eq!(params.load_state_dict(&more, false)?.unexpected, ["head.weight"]);
    /// # let _ = model;
    /// # Ok::<(), arenagrad::Error>(())
    /// ```
    pub fn load_state_dict(
        &mut self,
        state: &BTreeMap<String, Tensor>,
        strict: bool,
    ) -> Result<LoadReport> {
        load::from_tensors(
            "ParamStore::load_state_dict",
            state,
            self,
            LoadOptions { strict },
        )
    }
}
