//! Schedules against PyTorch 2.15: the `f64` lr sequences printed by
//!
//! ```python
//! o = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in ...]); s = Scheduler(o, ...)
//! for t in range(n): o.step(); s.step(); print([g["lr"] for g in o.param_groups])
//! ```
//!
//! hand-copied (base lrs exactly representable in `f32`, so the arithmetic is the same and the
//! comparison is bitwise).

use super::*;
use crate::params::ParamStore;

mod chain;

/// An optimizer with one lr per group and no parameters.
struct Groups(Vec<f32>);

impl Optimizer for Groups {
    fn step(&mut self, _params: &mut ParamStore) {}
    fn num_groups(&self) -> usize {
        self.0.len()
    }
    fn group_lr(&self, i: usize) -> f32 {
        self.0[i]
    }
    fn set_group_lr(&mut self, i: usize, lr: f32) -> Result<()> {
        self.0[i] = lr;
        Ok(())
    }
}

/// The `f64` lrs of group 0 (and the optimizer's `f32`s) for epochs `0..=n`.
fn run<S: LrSchedule>(base: &[f32], schedule: S, n: usize) -> Vec<Vec<f64>> {
    let mut opt = Groups(base.to_vec());
    let mut s = LrScheduler::new(&mut opt, schedule).unwrap();
    let mut out = vec![s.last_lr_f64().to_vec()];
    for _ in 0..n {
        s.step(&mut opt).unwrap();
        let want: Vec<f32> = s.last_lr_f64().iter().map(|&l| l as f32).collect();
        assert_eq!(opt.0, want);
        assert_eq!(s.last_lr(), &want[..]);
        out.push(s.last_lr_f64().to_vec());
    }
    out
}

fn col(v: &[Vec<f64>], g: usize) -> Vec<f64> {
    v.iter().map(|l| l[g]).collect()
}

#[test]
fn step_lr_per_group() {
    // StepLR(step_size=3, gamma=0.5), groups at 0.5 and 1.0
    let v = run(
        &[0.5, 1.0],
        StepLr {
            step_size: 3,
            gamma: 0.5,
        },
        7,
    );
    assert_eq!(col(&v, 0), [0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]);
    assert_eq!(col(&v, 1), [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]);
}

#[test]
fn cosine_matches_pytorch_within_and_beyond_t_max() {
    // CosineAnnealingLR(T_max=4, eta_min=0.01), lr 0.5: down to eta_min at 4, back up to 8
    let v = col(
        &run(
            &[0.5],
            CosineAnnealingLr {
                t_max: 4,
                eta_min: 0.01,
            },
            13,
        ),
        0,
    );
    let want = [
        0.5,
        0.428_241_161_390_704_1,
        0.255,
        0.081_758_838_609_295_86,
        0.01,
        0.081_758_838_609_295_84,
        0.255,
        0.428_241_161_390_704_23,
        0.500_000_000_000_000_1,
        0.428_241_161_390_704_3,
        0.255_000_000_000_000_1,
        0.081_758_838_609_296_07,
        0.01,
        0.081_758_838_609_295_84,
    ];
    assert_eq!(v, want);
    // CosineAnnealingLR(T_max=10), lr 1.0: a few of its 26 values
    let v = col(
        &run(
            &[1.0],
            CosineAnnealingLr {
                t_max: 10,
                eta_min: 0.0,
            },
            25,
        ),
        0,
    );
    assert_eq!(v[1], 0.975_528_258_147_576_8);
    assert_eq!(v[9], 0.024_471_741_852_423_234);
    assert_eq!(v[10], 0.0);
    assert_eq!(v[12], 0.095_491_502_812_526_65);
    assert_eq!(v[20], 1.000_000_000_000_004_2);
    assert_eq!(v[25], 0.500_000_000_000_002_1);
}

#[test]
fn linear_warmup_and_decay() {
    // LinearLR(start_factor=0.25, total_iters=4), groups 0.5 and 0.125
    let v = run(
        &[0.5, 0.125],
        LinearLr {
            start_factor: 0.25,
            end_factor: 1.0,
            total_iters: 4,
        },
        6,
    );
    assert_eq!(col(&v, 0), [0.125, 0.21875, 0.3125, 0.40625, 0.5, 0.5, 0.5]);
    assert_eq!(col(&v, 1)[..3], [0.03125, 0.0546875, 0.078125]);
    // LinearLR(start_factor=1, end_factor=0.1, total_iters=3), lr 1
    let v = col(
        &run(
            &[1.0],
            LinearLr {
                start_factor: 1.0,
                end_factor: 0.1,
                total_iters: 3,
            },
            5,
        ),
        0,
    );
    let (a, b) = (0.399_999_999_999_999_97, 0.099_999_999_999_999_99);
    assert_eq!(v, [1.0, 0.7, a, b, b, b]);
}

fn boxed<S: LrSchedule + 'static>(s: S) -> Box<dyn LrSchedule> {
    Box::new(s)
}

#[test]
fn invalid_settings_are_errors_at_construction() {
    let mut opt = Groups(vec![0.1]);
    let msg = |r: Result<LrScheduler<Box<dyn LrSchedule>>>| r.unwrap_err().to_string();
    let mut new = |s| msg(LrScheduler::new(&mut opt, s));
    assert!(new(boxed(StepLr {
        step_size: 0,
        gamma: 0.1
    }))
    .contains("step_size must be >= 1"));
    assert!(new(boxed(StepLr {
        step_size: 1,
        gamma: -0.1
    }))
    .contains("gamma = -0.1"));
    assert!(new(boxed(CosineAnnealingLr {
        t_max: 0,
        eta_min: 0.0
    }))
    .contains("t_max = 0"));
    assert!(new(boxed(CosineAnnealingLr {
        t_max: 3,
        eta_min: f64::NAN
    }))
    .contains("NaN"));
    let lin = |f0, f1, n| {
        boxed(LinearLr {
            start_factor: f0,
            end_factor: f1,
            total_iters: n,
        })
    };
    assert!(new(lin(0.0, 1.0, 5)).contains("start_factor must be in (0, 1], got 0"));
    assert!(new(lin(1.5, 1.0, 5)).contains("start_factor"));
    assert!(new(lin(0.5, 1.5, 5)).contains("end_factor must be in [0, 1], got 1.5"));
    assert!(new(lin(0.5, 1.0, 0)).contains("total_iters must be >= 1"));
    assert!(SequentialLr::new(vec![], &[]).is_err());
    assert!(SequentialLr::new(vec![lin(0.5, 1.0, 2)], &[3]).is_err());
    let two = || vec![lin(0.5, 1.0, 2), lin(0.5, 1.0, 2), lin(0.5, 1.0, 2)];
    assert!(SequentialLr::new(two(), &[4, 2])
        .unwrap_err()
        .to_string()
        .contains("[4, 2]"));
    let chained = boxed(ChainedScheduler::new(vec![lin(0.5, 1.0, 2)]).unwrap());
    let e = SequentialLr::new(vec![lin(0.5, 1.0, 2), chained], &[2]).unwrap_err();
    assert!(e.to_string().contains("no closed form"), "{e}");
    assert!(ChainedScheduler::new(vec![]).is_err());
    // stepping an optimizer with other groups
    let mut s = LrScheduler::new(
        &mut Groups(vec![0.1]),
        StepLr {
            step_size: 1,
            gamma: 0.5,
        },
    );
    let e = s
        .as_mut()
        .unwrap()
        .step(&mut Groups(vec![0.1, 0.2]))
        .unwrap_err();
    assert!(e.to_string().contains("2 parameter groups"), "{e}");
}

#[test]
fn drives_sgd() {
    use crate::optim::{Sgd, SgdConfig};
    let mut params = ParamStore::new();
    params.add("w", crate::tensor::Tensor::scalar(0.0)).unwrap();
    let mut opt = Sgd::new(&params, SgdConfig::default()).unwrap();
    opt.set_group_lr(0, 0.5).unwrap();
    let mut s = LrScheduler::new(
        &mut opt,
        StepLr {
            step_size: 1,
            gamma: 0.5,
        },
    )
    .unwrap();
    s.step(&mut opt).unwrap();
    assert_eq!(opt.group_lr(0), 0.25);
}
