//! The corpus: `data/shakespeare.txt.gz` (nine plays, see data/README.md) as character ids,
//! the vocabulary (the sorted distinct characters), a 90/10 train/validation split, random
//! training windows and the fixed validation windows.

use std::io::Read;
use std::path::Path;

use arenagrad::Rng;

/// Where the corpus is, from the repository root.
pub const DATA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/shakespeare.txt.gz");

pub struct Corpus {
    /// Id `i` is the `i`-th smallest character.
    pub vocab: Vec<char>,
    pub train: Vec<usize>,
    pub val: Vec<usize>,
}

impl Corpus {
    pub fn load(path: &Path) -> Result<Corpus, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut text = String::new();
        flate2::read::GzDecoder::new(file)
            .read_to_string(&mut text)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut vocab: Vec<char> = text.chars().collect();
        vocab.sort_unstable();
        vocab.dedup();
        let ids: Vec<usize> = text
            .chars()
            .map(|c| vocab.binary_search(&c).expect("in the vocabulary"))
            .collect();
        let cut = ids.len() * 9 / 10;
        Ok(Corpus {
            vocab,
            train: ids[..cut].to_vec(),
            val: ids[cut..].to_vec(),
        })
    }

    pub fn decode(&self, ids: &[usize]) -> String {
        ids.iter().map(|&i| self.vocab[i]).collect()
    }
}

/// `batch` random windows of `block + 1` ids from `ids`: inputs (the first `block`) into `x`,
/// targets (the next `block`) into `y`.
pub fn random_batch(
    ids: &[usize],
    batch: usize,
    block: usize,
    rng: &mut Rng,
    x: &mut Vec<usize>,
    y: &mut Vec<usize>,
) {
    x.clear();
    y.clear();
    let starts = (ids.len() - block) as u64; // windows of block + 1 ids
    for _ in 0..batch {
        let s = (rng.next_u64() % starts) as usize;
        x.extend_from_slice(&ids[s..s + block]);
        y.extend_from_slice(&ids[s + 1..s + block + 1]);
    }
}

/// The validation windows: window `i` is `ids[block·i .. block·i + block]` with targets one
/// further, for every window that fits (the same list PyTorch's script evaluates).
pub fn val_windows(ids: &[usize], block: usize) -> usize {
    (ids.len() - 1) / block
}
