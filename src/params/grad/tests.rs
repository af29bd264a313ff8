use super::*;
use crate::tensor::Tensor;

#[test]
fn swapped_in_buffer_becomes_the_gradients() {
    let mut s = ParamStore::new();
    let a = s.add("a", Tensor::from_slice(&[1.0, 2.0])).unwrap();
    let b = s.add("b", Tensor::from_slice(&[3.0])).unwrap();
    s.set_grad(a, &[0.5, 0.5]).unwrap();
    let mut other = AlignedBuf::zeros(s.flat_grad().len()); // [a a pad.. b]
    other.as_mut_slice()[16] = 4.0;
    s.swap_grad_buffer(&mut other);
    assert_eq!((s.grad(a), s.grad(b)), (&[0.0, 0.0][..], &[4.0][..]));
    assert_eq!(&other.as_slice()[..2], &[0.5, 0.5]); // the old buffer, to reuse
    assert_eq!(s.flat_grad().as_ptr() as usize % 64, 0);
    s.grad_flags_mut()[b.index()] = true;
    assert_eq!(s.grad_flags(), &[true, true]);
}
