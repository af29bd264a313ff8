//! The parameter names of every live store, by store id, so that an error about a handle used
//! with the wrong store (or with none) can name the parameter (`"0.weight"`) rather than give
//! its index.
//!
//! A store shares its name list (an `Arc`) with its clones, which keep its id and so accept its
//! handles; the registry holds a `Weak` to the list and forgets it when the last store holding
//! it is dropped. A drop that races with another clone's drop may leave a dead entry behind;
//! dead entries are swept whenever the registry has doubled since the last sweep, so it stays
//! within twice the number of live stores (plus a constant). A clone that registers parameters
//! of its own after the split records no names for them (the list follows the first store to
//! add at that index), so such an error falls back to the index.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};

use super::Param;

/// One store's parameter names, in registration order.
pub(super) type NameList = Arc<RwLock<Vec<String>>>;

struct Registry {
    lists: HashMap<u64, Weak<RwLock<Vec<String>>>>,
    /// The registry's size after the last sweep.
    swept: usize,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);

fn with_registry<T>(f: impl FnOnce(&mut Registry) -> T) -> T {
    let mut guard = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(|| Registry {
        lists: HashMap::new(),
        swept: 0,
    }))
}

/// A new, empty name list registered for the store `id`.
pub(super) fn register(id: u64) -> NameList {
    let list = NameList::default();
    with_registry(|r| {
        if r.lists.len() >= 2 * r.swept + 64 {
            r.lists.retain(|_, l| l.strong_count() > 0);
            r.swept = r.lists.len();
        }
        r.lists.insert(id, Arc::downgrade(&list));
    });
    list
}

/// Records `name` as parameter `index` of `list`, unless a clone of the store already did.
pub(super) fn record(list: &NameList, index: usize, name: &str) {
    let mut names = list.write().unwrap_or_else(PoisonError::into_inner);
    if names.len() == index {
        names.push(name.to_string());
    }
}

/// Forgets the store `id` when `list` is its last holder (called when a store is dropped).
pub(super) fn release(id: u64, list: &NameList) {
    if Arc::strong_count(list) == 1 {
        with_registry(|r| r.lists.remove(&id));
    }
}

/// How an error names `p`: its registered name while its store is alive, `#index` otherwise.
pub(crate) fn describe(p: Param) -> String {
    let list = with_registry(|r| r.lists.get(&p.store).and_then(Weak::upgrade));
    list.and_then(|l| {
        let names = l.read().unwrap_or_else(PoisonError::into_inner);
        names.get(p.index).cloned()
    })
    .unwrap_or_else(|| format!("#{}", p.index))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ParamStore;
    use crate::tensor::Tensor;

    #[test]
    fn a_handle_is_named_while_its_store_lives() {
        let mut a = ParamStore::new();
        a.add("w", Tensor::scalar(1.0)).unwrap();
        let b = a.add("enc.0.bias", Tensor::scalar(2.0)).unwrap();
        assert_eq!(describe(b), "enc.0.bias");
        let clone = a.clone();
        drop(a);
        assert_eq!(describe(b), "enc.0.bias"); // the clone keeps the list alive
        drop(clone);
        assert_eq!(describe(b), "#1");
    }

    #[test]
    fn dead_stores_are_swept() {
        for _ in 0..1000 {
            let mut s = ParamStore::new();
            s.add("x", Tensor::scalar(0.0)).unwrap();
        }
        // every store above was released on drop; other tests' live stores are few
        assert!(with_registry(|r| r.lists.len()) < 200);
    }
}
