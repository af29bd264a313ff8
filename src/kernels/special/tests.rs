use super::*;

#[test]
fn known_values() {
    // reference values of erf to 10 digits (Abramowitz & Stegun table 7.1)
    for (x, want) in [
        (0.1, 0.1124629160),
        (1.0, 0.8427007929),
        (2.0, 0.9953222650),
        (2.9, 0.9999589021),
        (3.5, 0.9999992569),
    ] {
        assert!(
            (erf64(x) - want).abs() < 2e-10,
            "erf({x}) = {} want {want}",
            erf64(x)
        );
        assert!((erf64(-x) + want).abs() < 2e-10);
    }
    assert_eq!(erf(f32::INFINITY), 1.0);
    assert_eq!(erf(f32::NEG_INFINITY), -1.0);
    assert!(erf(f32::NAN).is_nan());
}
