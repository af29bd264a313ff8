//! Optimizer kernels: single passes over the flat parameter and gradient buffers.

/// Plain SGD: `p -= lr · g`.
pub fn sgd(p: &mut [f32], g: &[f32], lr: f32) {
    assert_eq!(
        p.len(),
        g.len(),
        "sgd: parameter and gradient lengths differ"
    );
    p.iter_mut().zip(g).for_each(|(p, &g)| *p -= lr * g);
}

#[cfg(test)]
mod tests {
    #[test]
    fn sgd_step() {
        let mut p = [1.0, 2.0, 0.0];
        super::sgd(&mut p, &[4.0, -2.0, 0.0], 0.25);
        assert_eq!(p, [0.0, 2.5, 0.0]);
    }
}
