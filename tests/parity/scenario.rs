//! One autograd.json (or higher.json) scenario: its inputs, and its expected items checked by key.
//!
//! A replay records what arenagrad produced under each key; [`Scenario::finish`] fails if a
//! value differs, an expected error did not happen, or an expected key was never produced
//! (so a file with other keys cannot pass unnoticed). All differences are reported at once.

use std::collections::BTreeSet;

use arenagrad::{Error, Scope, Tensor, Var};
use serde_json::Value;

use super::vectors::{compare, load, tensor, Stats, Tol};

pub struct Scenario {
    name: String,
    v: Value,
    tol: Tol,
    checked: BTreeSet<String>,
    failures: Vec<String>,
    stats: Stats,
}

impl Scenario {
    /// The scenario of autograd.json named `name`; `None` if a non-default vectors directory
    /// lacks the file or the scenario (the committed file must have it).
    pub fn load(name: &str) -> Option<Scenario> {
        let file = load("autograd.json")?;
        let list = file
            .as_array()
            .expect("autograd.json is a list of scenarios");
        Scenario::find("autograd.json", list, name)
    }

    /// The scenario named `name` of higher.json (its `"scenarios"` list), as [`Scenario::load`].
    pub fn load_higher(name: &str) -> Option<Scenario> {
        let file = load("higher.json")?;
        let list = file["scenarios"]
            .as_array()
            .expect("higher.json has a list of scenarios");
        Scenario::find("higher.json", list, name)
    }

    fn find(file: &str, list: &[Value], name: &str) -> Option<Scenario> {
        let Some(v) = list.iter().find(|s| s["name"] == name) else {
            assert!(
                !super::vectors::dir().1,
                "scenario {name} missing from the committed {file}"
            );
            eprintln!("scenario {name} not in this {file}: skipped");
            return None;
        };
        Some(Scenario {
            name: name.to_string(),
            tol: v.get("tol").map_or(Tol::DEFAULT, Tol::of),
            v: v.clone(),
            checked: BTreeSet::new(),
            failures: Vec::new(),
            stats: Stats::default(),
        })
    }

    /// The scenario's `torch_code` must contain `snippet` (for constants the replay hardcodes).
    pub fn assert_code(&self, snippet: &str) {
        let code = self.v["torch_code"].as_str().unwrap_or("");
        assert!(
            code.contains(snippet),
            "{}: torch_code lacks {snippet:?}:\n{code}",
            self.name
        );
    }

    /// Input `key` as a tensor.
    pub fn input(&self, key: &str) -> Tensor {
        let v = &self.v["inputs"][key];
        assert!(v.is_object(), "{}: no input {key:?}", self.name);
        tensor(v)
    }

    /// Input `key` in `g`: a leaf if the file says `requires_grad`, else a constant.
    pub fn var<'g>(&self, g: &'g Scope<'g>, key: &str) -> Var<'g> {
        let t = self.input(key);
        if self.v["inputs"][key]["requires_grad"]
            .as_bool()
            .unwrap_or(false)
        {
            g.leaf(t)
        } else {
            g.input(t)
        }
    }

    /// The expected item under `key` (recorded as checked).
    fn item(&mut self, key: &str) -> Option<Value> {
        self.checked.insert(key.to_string());
        let found = self.v["expected"]
            .as_array()
            .and_then(|l| l.iter().find(|i| i["key"] == key).cloned());
        if found.is_none() {
            self.failures
                .push(format!("{key:?}: not among the expected keys"));
        }
        found
    }

    /// Keys of the expected items that start with `prefix`.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let items = self.v["expected"].as_array().into_iter().flatten();
        items
            .filter_map(|i| i["key"].as_str())
            .filter(|k| k.starts_with(prefix))
            .map(str::to_string)
            .collect()
    }

    /// The expected value of `key`, a tensor or `null` (`None`).
    pub fn expected_tensor(&mut self, key: &str) -> Option<Tensor> {
        let item = self.item(key)?;
        let v = &item["value"];
        (!v.is_null()).then(|| tensor(v))
    }

    /// `got` (a value, or a `.grad` that may be `None`) against `key`'s tensor or `null`.
    pub fn tensor(&mut self, key: &str, got: Option<Tensor>) {
        let Some(item) = self.item(key) else { return };
        let want = &item["value"];
        match (got, want.is_null()) {
            (None, true) => {}
            (None, false) => self
                .failures
                .push(format!("{key:?}: got None, want {want}")),
            (Some(g), true) => self.failures.push(format!("{key:?}: got {g:?}, want None")),
            (Some(g), false) => {
                if let Err(e) = compare(key, &g, &tensor(want), self.tol, &mut self.stats) {
                    self.failures.push(e);
                }
            }
        }
    }

    /// A value that must match: shorthand for `tensor(key, Some(got))`.
    pub fn value(&mut self, key: &str, got: Tensor) {
        self.tensor(key, Some(got));
    }

    /// A boolean item.
    pub fn flag(&mut self, key: &str, got: bool) {
        let Some(item) = self.item(key) else { return };
        if item["value"].as_bool() != Some(got) {
            self.failures
                .push(format!("{key:?}: got {got}, want {}", item["value"]));
        }
    }

    /// A call that torch made: an `"error"` item must be an `Err` that `is_expected` accepts
    /// (`want` names it); a `"value": "ok"` item must be `Ok`.
    pub fn outcome<T>(
        &mut self,
        key: &str,
        got: arenagrad::Result<T>,
        want: &str,
        is_expected: fn(&Error) -> bool,
    ) {
        let Some(item) = self.item(key) else { return };
        let wants_error = item.get("error").is_some();
        match got {
            Err(e) if wants_error && !is_expected(&e) => self
                .failures
                .push(format!("{key:?}: got error {e:?}, want {want}")),
            Err(e) if !wants_error => self
                .failures
                .push(format!("{key:?}: got error {e}, want ok")),
            Ok(_) if wants_error => self.failures.push(format!(
                "{key:?}: succeeded, want {want} (torch: {})",
                item["error"]
            )),
            _ => {}
        }
    }

    /// Fails with every difference, and if an expected key was never produced.
    pub fn finish(mut self) {
        for key in self.keys("") {
            if !self.checked.contains(&key) {
                self.failures.push(format!(
                    "{key:?}: expected but the replay did not produce it"
                ));
            }
        }
        println!(
            "{}: {} items, max abs {:.3e}, max rel {:.3e}, err/tol {:.3}",
            self.name,
            self.checked.len(),
            self.stats.max_abs,
            self.stats.max_rel,
            self.stats.max_ratio
        );
        assert!(
            self.failures.is_empty(),
            "{}:\n  {}",
            self.name,
            self.failures.join("\n  ")
        );
    }
}
