//! User ops holding heap data are dropped when their graph run ends, whatever path they took.

use std::cell::Cell;
use std::rc::Rc;

use arenagrad::custom::{CustomOp, Forward, InputGrads, Saved, TensorRef};
use arenagrad::prelude::*;

/// `x + table` (elementwise, a table of the input's size) that counts its drops.
struct AddTable {
    table: Vec<f32>,
    drops: Rc<Cell<usize>>,
    fail: bool,
}

impl Drop for AddTable {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

impl CustomOp for AddTable {
    fn name(&self) -> &'static str {
        "add_table"
    }
    fn forward(&self, x: &[TensorRef<'_>], out: &mut Forward<'_>) -> Result<()> {
        if self.fail {
            return Err(Error::InvalidArgument {
                op: "add_table",
                message: "asked to fail".into(),
            });
        }
        let y: Vec<f32> = x[0]
            .data
            .iter()
            .zip(&self.table)
            .map(|(a, b)| a + b)
            .collect();
        out.output(x[0].shape, &y)
    }
    fn backward(&self, _: &Saved<'_>, g: &[f32], grads: &mut InputGrads<'_>) {
        // reads its heap data in backward, after forward returned
        assert_eq!(self.table.len(), g.len());
        if let Some(d) = grads.get(0) {
            d.copy_from_slice(g);
        }
    }
}

#[test]
fn ops_are_dropped_at_the_end_of_the_run_and_not_before() {
    let drops = Rc::new(Cell::new(0));
    let op = |fail| AddTable {
        table: vec![10.0, 20.0],
        drops: drops.clone(),
        fail,
    };
    let mut graph = Graph::new();
    for _ in 0..3 {
        drops.set(0);
        graph
            .run(|g| {
                let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
                let y = x.custom(op(false))?.custom(op(false))?; // recorded: kept
                assert_eq!(y.to_vec(), vec![21.0, 42.0]);
                let c = g.input(Tensor::from_slice(&[1.0, 2.0])).custom(op(false))?;
                let n = g.no_grad(|| x.custom(op(false)))?;
                assert!(x.custom(op(true)).is_err());
                // the three not recorded are dropped already; the two recorded are alive
                assert_eq!(drops.get(), 3);
                (y.sum() + c.sum() + n.sum()).backward()?;
                assert_eq!(x.grad().unwrap().to_vec(), vec![1.0, 1.0]);
                assert_eq!(drops.get(), 3);
                Ok(())
            })
            .unwrap();
        assert_eq!(drops.get(), 5);
    }
    // an error returned by the run's closure drops them too
    drops.set(0);
    let r = graph.run(|g| {
        let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
        x.custom(op(false))?.custom(op(true)).map(drop)
    });
    assert!(r.is_err());
    assert_eq!(drops.get(), 2);
    assert_eq!(Rc::strong_count(&drops), 1);
}

#[test]
fn ops_are_dropped_when_the_run_panics() {
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        Graph::new().run(|g| {
            let x = g.leaf(Tensor::from_slice(&[1.0, 2.0]));
            let op = AddTable {
                table: vec![0.0, 0.0],
                drops: d,
                fail: false,
            };
            x.custom(op)?;
            if x.numel() == 2 {
                panic!("in the run");
            }
            Ok(())
        })
    }));
    assert!(r.is_err());
    assert_eq!(drops.get(), 1);
}
