//! Runs gradient checks and collects every failure (errors and panics) into one report per op
//! family. Include it with `#[path = "common/checker.rs"] mod checker;`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use arenagrad::gradcheck::{check, gradgradcheck, Tolerance};
use arenagrad::prelude::*;

/// Runs checks and collects every failure (errors and panics) for one report.
pub struct Checker {
    pub tol: Tolerance,
    /// Check second derivatives ([`gradgradcheck`]) instead of first ones.
    pub second: bool,
    passed: usize,
    failures: Vec<String>,
}

impl Checker {
    pub fn new() -> Self {
        Checker {
            tol: Tolerance::default(),
            second: false,
            passed: 0,
            failures: Vec::new(),
        }
    }
    /// A checker of second derivatives.
    #[allow(dead_code)] // the first-order test files include this module too
    pub fn second() -> Self {
        Checker {
            second: true,
            ..Checker::new()
        }
    }
    pub fn run<F>(&mut self, name: &str, inputs: &[Tensor], f: F)
    where
        F: for<'g> Fn(&'g Scope<'g>, &[Var<'g>]) -> Result<Var<'g>>,
    {
        let shapes: Vec<&[usize]> = inputs.iter().map(Tensor::shape).collect();
        let run = || match self.second {
            false => check(inputs, &f, &self.tol),
            true => gradgradcheck(inputs, &f, &self.tol),
        };
        match catch_unwind(AssertUnwindSafe(run)) {
            Ok(Ok(_)) => self.passed += 1,
            Ok(Err(e)) => self.failures.push(format!("{name} {shapes:?}: {e}")),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                self.failures.push(format!(
                    "{name} {shapes:?}: panicked: {}",
                    msg.unwrap_or_default()
                ));
            }
        }
    }
    pub fn finish(self, family: &str) {
        println!(
            "{family}: {} checks passed, {} failed",
            self.passed,
            self.failures.len()
        );
        assert!(
            self.failures.is_empty(),
            "{family}:\n{}",
            self.failures.join("\n")
        );
    }
}
