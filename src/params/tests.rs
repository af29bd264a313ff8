use super::*;

#[test]
fn buffers_are_aligned_and_padded() {
    let mut s = ParamStore::new();
    let a = s.add("a", Tensor::full(&[3], 1.0).unwrap()).unwrap();
    let b = s.add("b", Tensor::full(&[17], 2.0).unwrap()).unwrap();
    assert_eq!(s.flat_data().as_ptr() as usize % 64, 0);
    assert_eq!(s.flat_grad().as_ptr() as usize % 64, 0);
    assert_eq!((s.offset(a), s.offset(b)), (0, 16));
    assert_eq!(s.flat_data()[3..16], [0.0; 13]);
    assert_eq!(s.data(b), &[2.0; 17]);
    assert!(matches!(
        s.add("a", Tensor::scalar(0.0)),
        Err(Error::DuplicateParam { .. })
    ));
    assert_eq!(s.get("b"), Some(b));
}

#[test]
fn foreign_handles_are_rejected() {
    let mut s1 = ParamStore::new();
    let s2 = ParamStore::new();
    let p = s1.add("w", Tensor::scalar(1.0)).unwrap();
    assert!(s1.owns(p) && !s2.owns(p));
}

#[test]
fn a_foreign_handle_is_named_in_the_panic() {
    let mut s1 = ParamStore::new();
    s1.add("w", Tensor::scalar(1.0)).unwrap();
    let p = s1.add("enc.bias", Tensor::scalar(1.0)).unwrap();
    let s2 = ParamStore::new();
    let msg = std::panic::catch_unwind(|| s2.data(p).len()).unwrap_err();
    let msg = msg.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("parameter \"enc.bias\" is not from this store"),
        "{msg}"
    );
}
