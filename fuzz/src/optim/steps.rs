//! Steps of a built optimizer against the reference, then a save/load round trip.

use arenagrad::optim::Optimizer;
use arenagrad::prelude::*;

use super::reference::Config;
use super::{build, hyper, value, Spec, ULPS};
use crate::reader::Reader;

/// The reference's copy of one parameter.
struct Ref {
    name: String,
    offset: usize,
    values: Vec<f32>,
    step: u64,
    /// Per element, the element of each state buffer.
    state: Vec<[f32; 3]>,
    group: Option<usize>,
}

/// Equal bit for bit (within [`ULPS`]), any NaN matching any NaN.
fn same(a: f32, b: f32) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    let (x, y) = (a.to_bits() as i64, b.to_bits() as i64);
    x == y
        || (a.is_sign_negative() == b.is_sign_negative() && (x - y).unsigned_abs() <= ULPS as u64)
}

#[track_caller]
fn assert_same(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (k, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            same(g, w),
            "{what}[{k}]: arenagrad {g:e} ({:#x}), reference {w:e} ({:#x})",
            g.to_bits(),
            w.to_bits()
        );
    }
}

/// Compares the store and the optimizer's state with the reference.
fn compare(store: &ParamStore, opt: &dyn Optimizer, refs: &[Ref], groups: &[(Vec<usize>, Config)]) {
    let flat = store.flat_data();
    let mut inside = vec![false; flat.len()];
    for rp in refs {
        assert_same(
            &format!("{} values", rp.name),
            &flat[rp.offset..][..rp.values.len()],
            &rp.values,
        );
        inside[rp.offset..rp.offset + rp.values.len()].fill(true);
    }
    for (k, &v) in flat.iter().enumerate() {
        assert!(
            inside[k] || v.to_bits() == 0,
            "padding at {k} changed to {v}"
        );
    }
    let Some((_, any)) = groups.first() else {
        return;
    };
    let state = opt.state_dict(store);
    for rp in refs.iter().filter(|rp| rp.group.is_some()) {
        let always = matches!(any, Config::Adagrad(_));
        let step = state.scalar(&format!("state.{}.step", rp.name));
        if rp.step == 0 && !always {
            assert_eq!(step, None, "{}: state before its first step", rp.name);
            continue;
        }
        assert_eq!(step, Some(rp.step as f64), "{}: step count", rp.name);
        for (b, buf) in any.buffers().iter().enumerate() {
            if !groups.iter().any(|(_, c)| c.uses(b)) {
                continue;
            }
            let key = format!("state.{}.{buf}", rp.name);
            let t = state.tensor(&key).unwrap_or_else(|| panic!("no {key}"));
            let want: Vec<f32> = rp.state.iter().map(|s| s[b]).collect();
            assert_same(&key, t.data(), &want);
        }
    }
}

/// Gives a random subset of the parameters a gradient; returns them.
fn grads(r: &mut Reader, store: &mut ParamStore) -> Vec<Option<Vec<f32>>> {
    store.zero_grad();
    let handles: Vec<Param> = store.params().collect();
    handles
        .into_iter()
        .map(|p| {
            (!r.u8().is_multiple_of(4)).then(|| {
                let g: Vec<f32> = (0..store.numel_of(p)).map(|_| value(r)).collect();
                store
                    .set_grad(p, &g)
                    .expect("a gradient of the parameter's size");
                g
            })
        })
        .collect()
}

/// One reference step.
fn reference_step(refs: &mut [Ref], grads: &[Option<Vec<f32>>], groups: &[(Vec<usize>, Config)]) {
    for (rp, g) in refs.iter_mut().zip(grads) {
        let (Some(g), Some(gi)) = (g, rp.group) else {
            continue;
        };
        rp.step += 1;
        let c = groups[gi].1;
        for ((p, &g), s) in rp.values.iter_mut().zip(g).zip(&mut rp.state) {
            c.update(rp.step, p, g, s);
        }
    }
}

/// Steps `opt` and the reference side by side, then checks a save/load round trip.
pub fn run(
    r: &mut Reader,
    store: &mut ParamStore,
    mut opt: Box<dyn Optimizer>,
    mut groups: Vec<(Vec<usize>, Config)>,
    base: Config,
    spec: &Option<Vec<Spec>>,
) {
    let handles: Vec<Param> = store.params().collect();
    let mut refs: Vec<Ref> = handles
        .iter()
        .map(|&p| {
            let group = groups.iter().position(|(ps, _)| ps.contains(&p.index()));
            let init = group.map_or([0.0; 3], |gi| {
                std::array::from_fn(|b| groups[gi].1.initial(b))
            });
            Ref {
                name: store.name(p).to_string(),
                offset: store.offset(p),
                values: store.data(p).to_vec(),
                step: 0,
                state: vec![init; store.numel_of(p)],
                group,
            }
        })
        .collect();
    compare(store, opt.as_ref(), &refs, &groups);
    for _ in 0..1 + r.u8() % 5 {
        let g = grads(r, store);
        opt.step(store);
        reference_step(&mut refs, &g, &groups);
        compare(store, opt.as_ref(), &refs, &groups);
        if r.u8().is_multiple_of(4) {
            let (gi, lr) = (r.u8() as usize % (groups.len() + 1), hyper(r, 0.01));
            let res = opt.set_group_lr(gi, lr);
            assert_eq!(
                res.is_ok(),
                gi < groups.len() && lr >= 0.0,
                "set_group_lr({gi}, {lr}): {res:?}"
            );
            if res.is_ok() {
                groups[gi].1 = groups[gi].1.with(Some(lr), None);
                assert_eq!(opt.group_lr(gi).to_bits(), lr.to_bits());
            }
        }
    }
    // an optimizer rebuilt from the saved state continues exactly as the original
    let state = opt.state_dict(store);
    let mut again = build(store, base, spec).expect("the same options build again");
    again
        .load_state_dict(store, &state)
        .expect("its own state loads");
    let mut copy = store.clone();
    let g = grads(r, store);
    copy.zero_grad();
    for (p, g) in handles.iter().zip(&g) {
        if let Some(g) = g {
            copy.set_grad(*p, g).expect("same size");
        }
    }
    opt.step(store);
    again.step(&mut copy);
    assert_same(
        "after a state round trip",
        copy.flat_data(),
        store.flat_data(),
    );
}
