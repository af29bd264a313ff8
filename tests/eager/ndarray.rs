//! `Tensor` ⇄ `ndarray::ArrayD<f32>` (feature `ndarray`): values in logical row-major order
//! whatever the array's memory layout, shapes kept (rank 0 and empty ones included).

use arenagrad::{Error, Tensor};
use ndarray::{s, ArrayD, IxDyn};

fn array(shape: &[usize]) -> ArrayD<f32> {
    let n = shape.iter().product::<usize>();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f32).collect()).unwrap()
}

#[test]
fn round_trips_keep_shape_and_values() {
    for shape in [&[][..], &[1], &[7], &[3, 1, 5], &[2, 0, 3]] {
        let a = array(shape);
        let t = Tensor::try_from(a.clone()).unwrap();
        assert_eq!(t.shape(), shape);
        assert_eq!(t.to_vec(), a.iter().copied().collect::<Vec<_>>());
        assert_eq!(Tensor::try_from(&a).unwrap(), t);
        assert_eq!(ArrayD::from(&t), a);
        assert_eq!(ArrayD::from(t), a);
    }
}

#[test]
fn other_layouts_are_read_in_logical_order() {
    // an owned transpose keeps its column-major strides: [[0, 1, 2], [3, 4, 5]]ᵀ
    let at = array(&[2, 3]).reversed_axes();
    assert!(!at.is_standard_layout());
    let t = Tensor::try_from(at).unwrap();
    assert_eq!(
        (t.shape(), t.data()),
        (&[3, 2][..], &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0][..])
    );
    // an owned array whose data starts past its buffer's start (rows 1.. of a [3, 4] array)
    let mut b = array(&[3, 4]);
    b.slice_collapse(s![1.., ..]);
    let t = Tensor::try_from(b).unwrap();
    assert_eq!(t.shape(), &[2, 4]);
    assert_eq!(t.data()[0], 4.0);
    // every other column: a strided owned array
    let mut c = array(&[2, 4]);
    c.slice_collapse(s![.., ..;2]);
    assert_eq!(
        Tensor::try_from(c).unwrap().to_vec(),
        vec![0.0, 2.0, 4.0, 6.0]
    );
}

#[test]
fn a_shape_arenagrad_cannot_hold_is_an_error() {
    // ndarray accepts an empty [0, 2⁶²]; its non-zero dims exceed arenagrad's MAX_NUMEL
    let a = ArrayD::<f32>::zeros(IxDyn(&[0, 1 << 62]));
    assert!(matches!(
        Tensor::try_from(&a),
        Err(Error::SizeOverflow { .. })
    ));
    assert!(matches!(
        Tensor::try_from(a),
        Err(Error::SizeOverflow { .. })
    ));
}
