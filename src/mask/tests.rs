//! Mask constructors against PyTorch's `torch.tril` / `torch.triu` of a bool matrix (values
//! printed by PyTorch 2.15 for the cases below).

use super::*;

fn bits(m: &Mask) -> Vec<u8> {
    m.data().iter().map(|&b| b as u8).collect()
}

#[test]
fn tril_triu_match_pytorch() {
    // torch.tril(torch.ones(3, 4, dtype=torch.bool), -1)
    assert_eq!(
        bits(&Mask::tril(3, 4, -1)),
        [0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0]
    );
    // torch.triu(torch.ones(3, 4, dtype=torch.bool), 1)
    assert_eq!(
        bits(&Mask::triu(3, 4, 1)),
        [0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1]
    );
    assert_eq!(bits(&Mask::tril(2, 3, 0)), [1, 0, 0, 1, 1, 0]);
    assert_eq!(bits(&Mask::triu(2, 2, 0)), [1, 1, 0, 1]);
    // far diagonals: everything or nothing
    assert!(Mask::tril(3, 3, 5).data().iter().all(|&b| b));
    assert!(Mask::tril(3, 3, -3).data().iter().all(|&b| !b));
    assert!(Mask::triu(3, 3, isize::MIN).data().iter().all(|&b| b));
    assert_eq!(Mask::tril(0, 4, 0).shape(), &[0, 4]);
    // tril(d) and triu(d + 1) partition the matrix
    for d in -3..4 {
        let (l, u) = (Mask::tril(3, 5, d), Mask::triu(3, 5, d + 1));
        assert!(
            l.data().iter().zip(u.data()).all(|(a, b)| a != b),
            "d = {d}"
        );
    }
}

#[test]
fn new_checks_the_length() {
    let e = Mask::new(vec![true; 5], &[2, 3]).unwrap_err();
    assert!(e.to_string().contains("Mask::new") && e.to_string().contains("[2, 3]"));
    let m = Mask::new(vec![true, false], &[2, 1]).unwrap();
    assert_eq!((m.shape(), m.numel()), (&[2, 1][..], 2));
    assert_eq!(Mask::new(vec![true], &[]).unwrap().shape(), &[] as &[usize]);
    assert_eq!((!m).data(), &[false, true]);
}
