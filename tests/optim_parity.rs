//! Temporary test target for the optim.json parity runner (tests/parity/optim.rs); the runner
//! is meant to be wired into tests/torch_parity.rs. Runs `$ARENAGRAD_VECTORS/optim.json`
//! (default: tests/vectors/optim.json).

#[path = "parity/optim.rs"]
mod optim;

#[test]
fn optim_json_matches_pytorch() {
    let dir = std::env::var_os("ARENAGRAD_VECTORS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors"));
    let failures = optim::run_optim_file(&dir.join("optim.json"));
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
