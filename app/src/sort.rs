//! Stable sorting through one shared, non-generic routine. Every `sort_by`
//! on a new element type compiles the standard library's sort again (about
//! 6 KB of WebAssembly each); the phone's wasm is downloaded on a slow
//! network, so the app sorts through here instead.

use std::cmp::Ordering;

/// Stable sort of `v` by `cmp` (like `v.sort_by(cmp)`).
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    let order = sorted_indices(v.len(), &|a, b| cmp(&v[a], &v[b]));
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Stable sort of `v` by a key (like `v.sort_by_key(key)`).
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)));
}

#[inline(never)]
fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| cmp(a, b));
    idx
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorts_stably() {
        let mut v = vec![(3, "a"), (1, "b"), (3, "c"), (2, "d"), (1, "e")];
        super::sort_by_key(&mut v, |p| p.0);
        assert_eq!(v, [(1, "b"), (1, "e"), (2, "d"), (3, "a"), (3, "c")]);
        let mut w = vec!["b".to_string(), "c".into(), "a".into()];
        super::sort_by(&mut w, |a, b| b.cmp(a));
        assert_eq!(w, ["c", "b", "a"]);
        let mut empty: Vec<u8> = vec![];
        super::sort_by(&mut empty, u8::cmp);
        assert!(empty.is_empty());
    }
}
