//! `I64` tensors: buffers registered as [`BufferDtype::I64`] (batch norm's
//! `num_batches_tracked`) are written as PyTorch's `int64`, in the order the `safetensors` crate
//! writes, and `I64` tensors from PyTorch load into the store's `f32` values when exact.

use safetensors::tensor::TensorView;
use safetensors::Dtype;

use super::file;
use crate::error::Error;
use crate::io::*;
use crate::params::{BufferDtype, ParamStore};
use crate::tensor::Tensor;

/// A batch norm's state over two channels with `count` batches tracked.
fn bn_store(count: f32) -> ParamStore {
    let mut s = ParamStore::new();
    s.add("bn.weight", Tensor::from_slice(&[1.0, 2.0])).unwrap();
    s.add("bn.bias", Tensor::from_slice(&[0.5, -0.5])).unwrap();
    let mean = Tensor::from_slice(&[0.25, 0.75]);
    s.add_buffer("bn.running_mean", mean).unwrap();
    let n = Tensor::scalar(count);
    s.add_buffer_as("bn.num_batches_tracked", n, BufferDtype::I64)
        .unwrap();
    s
}

#[test]
fn i64_buffers_are_written_as_int64_byte_for_byte_as_the_crate_writes() {
    let bytes = to_bytes(&bn_store(7.0)).unwrap();
    // the same tensors through the crate's own serializer
    let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let (w, b, m) = (f32s(&[1.0, 2.0]), f32s(&[0.5, -0.5]), f32s(&[0.25, 0.75]));
    let n = 7i64.to_le_bytes();
    let views = [
        (
            "bn.weight",
            TensorView::new(Dtype::F32, vec![2], &w).unwrap(),
        ),
        ("bn.bias", TensorView::new(Dtype::F32, vec![2], &b).unwrap()),
        (
            "bn.running_mean",
            TensorView::new(Dtype::F32, vec![2], &m).unwrap(),
        ),
        (
            "bn.num_batches_tracked",
            TensorView::new(Dtype::I64, vec![], &n).unwrap(),
        ),
    ];
    let meta = [("format".to_string(), "pt".to_string())];
    let want = safetensors::serialize(views, Some(meta.into_iter().collect())).unwrap();
    assert_eq!(bytes, want);
    // the I64 tensor comes first (larger alignment), so it starts the data section
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(&bytes[8 + header_len..16 + header_len], &n);

    let file = from_bytes(&bytes).unwrap();
    assert_eq!(file.get("bn.num_batches_tracked").unwrap().to_vec(), [7.0]);
    let mut fresh = bn_store(0.0);
    assert!(load_bytes_into(&bytes, &mut fresh, LoadOptions::default())
        .unwrap()
        .is_exact());
    let count = fresh.get_buffer("bn.num_batches_tracked").unwrap();
    assert_eq!(fresh.buffer(count), &[7.0]);
}

#[test]
fn an_i64_buffer_must_hold_whole_numbers_to_be_saved() {
    let mut s = bn_store(3.0);
    let count = s.get_buffer("bn.num_batches_tracked").unwrap();
    for bad in [2.5, f32::NAN, f32::INFINITY, 1e19] {
        s.buffer_mut(count)[0] = bad;
        let e = to_bytes(&s).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("\"bn.num_batches_tracked\"") && msg.contains("I64"),
            "{msg}"
        );
    }
    s.buffer_mut(count)[0] = -(2f32.powi(63)); // i64::MIN is a whole number in range
    assert!(to_bytes(&s).is_ok());
    let e = ParamStore::new()
        .add_buffer_as("n", Tensor::scalar(0.5), BufferDtype::I64)
        .unwrap_err();
    assert!(e.to_string().contains("whole number"), "{e}");
}

#[test]
fn pytorch_i64_tensors_load_when_exact_and_fail_whole_otherwise() {
    // PyTorch's layout: the I64 first, then the F32s by name
    let header = r#"{"bn.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"bn.bias":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"bn.running_mean":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},"bn.weight":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#;
    let with_count = |count: i64| {
        let mut data = count.to_le_bytes().to_vec();
        let values = [3.0f32, 4.0, 0.1, 0.2, 5.0, 6.0];
        data.extend(values.iter().flat_map(|v| v.to_le_bytes()));
        file(header, &data)
    };
    let mut s = bn_store(0.0);
    let count = s.get_buffer("bn.num_batches_tracked").unwrap();
    load_bytes_into(&with_count(1 << 24), &mut s, LoadOptions::default()).unwrap();
    assert_eq!(s.buffer(count), &[16_777_216.0]);
    assert_eq!(s.data(s.get("bn.weight").unwrap()), &[5.0, 6.0]);

    // 2^24 + 1 would round: an error naming the key, and nothing written
    let before = bn_store(9.0);
    let mut s = bn_store(9.0);
    let e =
        load_bytes_into(&with_count((1 << 24) + 1), &mut s, LoadOptions::default()).unwrap_err();
    assert!(matches!(e, Error::Format { .. }), "{e:?}");
    assert!(e.to_string().contains("\"bn.num_batches_tracked\""), "{e}");
    assert_eq!(s.flat_data(), before.flat_data());
    let count = s.get_buffer("bn.num_batches_tracked").unwrap();
    assert_eq!(s.buffer(count), &[9.0]);
    assert!(from_bytes(&with_count(-(1 << 25) - 1)).is_err());
}

#[test]
fn older_files_with_an_f32_counter_still_load() {
    let mut old = ParamStore::new();
    old.add("bn.weight", Tensor::from_slice(&[1.0, 2.0]))
        .unwrap();
    old.add("bn.bias", Tensor::from_slice(&[0.5, -0.5]))
        .unwrap();
    old.add_buffer("bn.running_mean", Tensor::from_slice(&[0.25, 0.75]))
        .unwrap();
    old.add_buffer("bn.num_batches_tracked", Tensor::scalar(12.0))
        .unwrap();
    let bytes = to_bytes(&old).unwrap();
    let mut s = bn_store(0.0);
    load_bytes_into(&bytes, &mut s, LoadOptions::default()).unwrap();
    let count = s.get_buffer("bn.num_batches_tracked").unwrap();
    assert_eq!(s.buffer(count), &[12.0]);
}
