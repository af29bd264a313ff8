//! Sets `cfg(runtime_avx2)` for x86-64 builds whose target features lack AVX2 or FMA (a
//! dependent's default build, for one): the kernels then carry a second, AVX2+FMA form of
//! their lanes and choose between the two at run time (`src/kernels/simd/level.rs`). A build
//! that already targets AVX2 and FMA compiles `wide`'s lanes for them and needs no choice.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(runtime_avx2)");
    println!("cargo::rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |f: &str| features.split(',').any(|x| x == f);
    if arch == "x86_64" && !(has("avx2") && has("fma")) {
        println!("cargo::rustc-cfg=runtime_avx2");
    }
}
