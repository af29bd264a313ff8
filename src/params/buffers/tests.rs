use crate::io::{self, LoadOptions};
use crate::optim::{Adam, AdamConfig};
use crate::prelude::*;

/// A store with one parameter and the three buffers of a batch norm over 2 channels.
fn store() -> (ParamStore, Param, [Buffer; 3]) {
    let mut s = ParamStore::new();
    let w = s.add("bn.weight", Tensor::from_slice(&[1.0, 2.0])).unwrap();
    let m = s.add_buffer("bn.running_mean", Tensor::from_slice(&[0.5, -0.5]));
    let v = s.add_buffer("bn.running_var", Tensor::from_slice(&[1.0, 3.0]));
    let n = s.add_buffer("bn.num_batches_tracked", Tensor::scalar(7.0));
    (s, w, [m.unwrap(), v.unwrap(), n.unwrap()])
}

#[test]
fn buffers_are_named_state_outside_the_parameters() {
    let (mut s, w, [m, v, n]) = store();
    assert_eq!((s.len(), s.buffers().count()), (1, 3));
    assert_eq!(s.buffer_name(v), "bn.running_var");
    assert_eq!(s.buffer_shape(n), &[] as &[usize]);
    assert_eq!(s.get_buffer("bn.running_mean"), Some(m));
    assert_eq!(s.get("bn.running_mean"), None);
    // one namespace for parameters and buffers
    assert!(matches!(
        s.add("bn.running_mean", Tensor::scalar(0.0)),
        Err(Error::DuplicateParam { .. })
    ));
    assert!(matches!(
        s.add_buffer("bn.weight", Tensor::scalar(0.0)),
        Err(Error::DuplicateParam { .. })
    ));
    // neither zero_grad nor an optimizer step touches a buffer
    let mut opt = Adam::new(&s, AdamConfig::default()).unwrap();
    Graph::new()
        .run_with(&mut s, |g| (g.param(w).sum()).backward())
        .unwrap();
    opt.step(&mut s);
    s.zero_grad();
    assert_ne!(s.data(w), &[1.0, 2.0]);
    assert_eq!(s.buffer(m), &[0.5, -0.5]);
    assert_eq!(s.buffer(v), &[1.0, 3.0]);
    assert_eq!(s.buffer(n), &[7.0]);
}

#[test]
fn a_scope_lends_each_buffer_out_once() {
    let (mut s, _, [m, v, _]) = store();
    let other = store().2[0];
    let mut graph = Graph::new();
    graph
        .run_with(&mut s, |g| {
            let mut mean = g.buffer_mut(m)?;
            let mut var = g.buffer_mut(v)?; // two buffers at once
            mean[0] += 1.0;
            var[1] *= 2.0;
            assert!(g.buffer_mut(m).is_err()); // already lent out
            drop(mean);
            assert_eq!(g.buffer_mut(m)?[0], 1.5); // free again
            let e = g.buffer_mut(other).unwrap_err().to_string();
            assert!(
                e.contains("Scope::buffer_mut") && e.contains("run_with"),
                "{e}"
            );
            Ok(())
        })
        .unwrap();
    assert_eq!(
        (s.buffer(m), s.buffer(v)),
        (&[1.5, -0.5][..], &[1.0, 6.0][..])
    );
    let e = graph.run(|g| g.buffer_mut(m).map(|_| ())).unwrap_err();
    assert!(matches!(e, Error::InvalidArgument { .. }));
}

#[test]
fn buffers_are_saved_and_loaded_with_the_parameters() {
    let (mut s, _, [m, _, n]) = store();
    s.buffer_mut(m).copy_from_slice(&[0.25, 0.75]);
    let bytes = io::to_bytes(&s).unwrap();
    let file = io::from_bytes(&bytes).unwrap();
    assert_eq!(file.get("bn.num_batches_tracked").unwrap().item(), 7.0);

    let (mut fresh, _, [fm, _, fnum]) = store();
    fresh.buffer_mut(fnum)[0] = 0.0;
    let report = io::load_bytes_into(&bytes, &mut fresh, LoadOptions::default()).unwrap();
    assert!(report.is_exact());
    assert_eq!(report.loaded.len(), 4);
    assert_eq!(fresh.buffer(fm), s.buffer(m));
    assert_eq!(fresh.buffer(fnum), s.buffer(n));

    // a file without the buffers: missing in strict mode, nothing written
    let mut params_only = ParamStore::new();
    params_only
        .add("bn.weight", Tensor::zeros(&[2]).unwrap())
        .unwrap();
    let bytes = io::to_bytes(&params_only).unwrap();
    let e = io::load_bytes_into(&bytes, &mut fresh, LoadOptions::default()).unwrap_err();
    match e {
        Error::StateDict { missing, .. } => assert_eq!(
            missing,
            [
                "bn.running_mean",
                "bn.running_var",
                "bn.num_batches_tracked"
            ]
        ),
        e => panic!("{e}"),
    }
    assert_eq!(fresh.buffer(fm), &[0.25, 0.75]);
}
