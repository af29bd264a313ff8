//! Files on disk (atomic replace, errors naming the path) and checkpoint-style files (extra
//! tensors split off by prefix, the rest loaded).

use std::collections::BTreeMap;

use super::sample;
use crate::error::Error;
use crate::io::*;
use crate::tensor::Tensor;

#[test]
fn files_round_trip_and_io_errors_name_the_path() {
    let dir = std::env::temp_dir().join(format!("arenagrad-io-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.safetensors");
    save(&path, &sample()).unwrap();
    save(&path, &sample()).unwrap(); // replaces
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["model.safetensors"]); // no temporary file left behind
    let mut params = sample();
    params.data_mut(params.get("scale").unwrap())[0] = 9.0;
    assert!(load_into(&path, &mut params, LoadOptions::default())
        .unwrap()
        .is_exact());
    assert_eq!(params.data(params.get("scale").unwrap()), &[2.0]);
    assert_eq!(read(&path).unwrap().tensors.len(), 4);

    std::fs::write(&path, b"garbage!garbage").unwrap();
    let msg = read(&path).unwrap_err().to_string();
    assert!(
        msg.contains("model.safetensors") && msg.contains("invalid safetensors"),
        "{msg}"
    );
    let missing = dir.join("nope.safetensors");
    let err = read(&missing).unwrap_err();
    assert!(
        matches!(&err, Error::Io { kind: std::io::ErrorKind::NotFound, path, .. } if path.contains("nope"))
    );
    assert!(matches!(
        save(dir.join("no/such/dir/m.safetensors"), &sample()),
        Err(Error::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn take_prefixed_splits_a_checkpoint() {
    let params = sample();
    let extra = [
        (
            "optim.layer.bias".to_string(),
            Tensor::from_slice(&[1.0, 1.0]),
        ),
        ("optim.scale".to_string(), Tensor::scalar(4.0)),
        ("optimx".to_string(), Tensor::scalar(0.0)),
    ];
    let mut f = from_bytes(&to_bytes_with(&params, &extra, &BTreeMap::new()).unwrap()).unwrap();
    let optim = f.take_prefixed("optim.");
    assert_eq!(optim.keys().collect::<Vec<_>>(), ["layer.bias", "scale"]);
    assert!(f.get("optimx").is_some() && f.get("optim.scale").is_none());
    f.tensors.remove("optimx");
    let mut other = sample();
    other.data_mut(other.get("layer.bias").unwrap()).fill(7.0);
    assert!(f
        .load_into(&mut other, LoadOptions::default())
        .unwrap()
        .is_exact());
    assert_eq!(other.data(other.get("layer.bias").unwrap()), &[0.5, 0.25]);
}
