//! Compositions against PyTorch 2.15 (same method as the parent module's tests).

use super::*;

#[test]
fn sequential_warmup_then_cosine() {
    // SequentialLR([LinearLR(start_factor=0.1, total_iters=3),
    //               CosineAnnealingLR(T_max=5, eta_min=0.001)], milestones=[3]), lr 1
    let warm = LinearLr {
        start_factor: 0.1,
        end_factor: 1.0,
        total_iters: 3,
    };
    let cos = CosineAnnealingLr {
        t_max: 5,
        eta_min: 0.001,
    };
    let s = SequentialLr::new(vec![boxed(warm), boxed(cos)], &[3]).unwrap();
    let v = col(&run(&[1.0], s, 12), 0);
    let want = [
        0.1,
        0.399_999_999_999_999_97,
        0.7,
        1.0,
        0.904_603_988_690_286_2,
        0.654_853_988_690_286_2,
        0.346_146_011_309_713_73,
        0.096_396_011_309_713_79,
        0.001,
        0.096_396_011_309_713_74,
        0.346_146_011_309_713_9,
        0.654_853_988_690_286_5,
        0.904_603_988_690_286_8,
    ];
    assert_eq!(v, want);
}

#[test]
fn sequential_three_phases_and_a_milestone_at_zero() {
    // SequentialLR([LinearLR(0.5, total_iters=2), StepLR(2, 0.5), CosineAnnealingLR(T_max=3)],
    //              milestones=[2, 5]), lr 0.5
    let s = SequentialLr::new(
        vec![
            boxed(LinearLr {
                start_factor: 0.5,
                end_factor: 1.0,
                total_iters: 2,
            }),
            boxed(StepLr {
                step_size: 2,
                gamma: 0.5,
            }),
            boxed(CosineAnnealingLr {
                t_max: 3,
                eta_min: 0.0,
            }),
        ],
        &[2, 5],
    )
    .unwrap();
    let v = col(&run(&[0.5], s, 10), 0);
    let (a, b, c) = (
        0.125_000_000_000_000_06,
        0.124_999_999_999_999_97,
        0.375_000_000_000_000_2,
    );
    assert_eq!(v, [0.25, 0.375, 0.5, 0.5, 0.25, 0.5, 0.375, a, 0.0, b, c]);
    // milestones=[0]: the second schedule runs from the start
    let s = SequentialLr::new(
        vec![
            boxed(LinearLr {
                start_factor: 0.5,
                end_factor: 1.0,
                total_iters: 2,
            }),
            boxed(StepLr {
                step_size: 2,
                gamma: 0.5,
            }),
        ],
        &[0],
    )
    .unwrap();
    assert_eq!(col(&run(&[0.5], s, 4), 0), [0.5, 0.5, 0.25, 0.25, 0.125]);
}

#[test]
fn chained_warmup_and_cosine() {
    // ChainedScheduler([LinearLR(start_factor=0.5, total_iters=2), CosineAnnealingLR(T_max=4)]),
    // lr 0.25
    let s = ChainedScheduler::new(vec![
        boxed(LinearLr {
            start_factor: 0.5,
            end_factor: 1.0,
            total_iters: 2,
        }),
        boxed(CosineAnnealingLr {
            t_max: 4,
            eta_min: 0.0,
        }),
    ])
    .unwrap();
    let v = col(&run(&[0.25], s, 8), 0);
    let want = [
        0.125,
        0.160_041_260_736_238_8,
        0.124_999_999_999_999_99,
        0.036_611_652_351_681_56,
        0.0,
        0.036_611_652_351_681_55,
        0.125_000_000_000_000_03,
        0.213_388_347_648_318_54,
        0.250_000_000_000_000_1,
    ];
    assert_eq!(v, want);
}

#[test]
fn an_lr_set_from_outside_is_continued_from() {
    // CosineAnnealingLR(T_max=6), lr 1; after the 2nd optimizer step group["lr"] = 0.375
    let mut opt = Groups(vec![1.0]);
    let mut s = LrScheduler::new(
        &mut opt,
        CosineAnnealingLr {
            t_max: 6,
            eta_min: 0.0,
        },
    )
    .unwrap();
    let mut v = vec![];
    for t in 1..=6 {
        if t == 2 {
            opt.set_group_lr(0, 0.375).unwrap();
        }
        s.step(&mut opt).unwrap();
        v.push(s.last_lr_f64()[0]);
    }
    let want = [
        0.933_012_701_892_219_4,
        0.301_442_841_485_013_05,
        0.200_961_894_323_342_02,
        0.100_480_947_161_671_05,
        0.026_923_788_646_684_047,
        0.0,
    ];
    assert_eq!(v, want);
    assert_eq!((s.last_epoch(), s.base_lrs()), (6, &[1.0][..]));
}
