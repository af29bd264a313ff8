use crate::prelude::*;

fn store(entries: &[(&str, &[usize])]) -> ParamStore {
    let mut s = ParamStore::new();
    for (name, shape) in entries {
        s.add(name, Tensor::zeros(shape).unwrap()).unwrap();
    }
    s
}

#[test]
fn hash_sees_names_shapes_order_and_count_but_not_values() {
    let base = store(&[("a", &[2, 3]), ("b", &[4])]).layout_hash();
    let mut valued = store(&[("a", &[2, 3]), ("b", &[4])]);
    let a = valued.get("a").unwrap();
    valued.data_mut(a).fill(7.0);
    assert_eq!(valued.layout_hash(), base);
    for other in [
        store(&[("a", &[3, 2]), ("b", &[4])]), // same numel, other shape
        store(&[("a", &[6]), ("b", &[4])]),    // other rank
        store(&[("b", &[4]), ("a", &[2, 3])]), // other order
        store(&[("a", &[2, 3]), ("c", &[4])]), // other name
        store(&[("a", &[2, 3])]),              // fewer params
        store(&[("a", &[2, 3]), ("b", &[4]), ("c", &[])]),
        store(&[("ab", &[2, 3]), ("", &[4])]), // name bytes shifted between entries
    ] {
        assert_ne!(other.layout_hash(), base);
    }
    // the empty store hashes to a fixed value on every platform
    assert_eq!(ParamStore::new().layout_hash(), store(&[]).layout_hash());
}
