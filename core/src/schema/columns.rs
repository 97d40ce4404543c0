//! A table's columns, each shared between the snapshots a plan keeps until a step changes it.
//!
//! A plan keeps one [`Snapshot`](super::Snapshot) per step, and a step that changes a table
//! copies that table out of the snapshots that share it. When every step of a migration
//! changes the same table, each copy used to clone every column — names, types, defaults —
//! so `n` steps copied `n²/2` columns. With each column behind an [`Arc`], a copy clones
//! pointers, and only the column a step changes is copied ([`Columns::iter_mut`] and
//! `columns[i]` for writing copy just the columns they hand out).

use std::ops::{Index, IndexMut};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Column;

/// Columns in their physical order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Columns(Vec<Arc<Column>>);

impl Columns {
    /// No columns.
    pub fn new() -> Self {
        Columns(Vec::new())
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The columns in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Column> + ExactSizeIterator + Clone {
        self.0.iter().map(|c| &**c)
    }

    /// The columns in order, for changing them: each one handed out is copied if another
    /// snapshot shares it, so to change some, pick them with [`Columns::find_mut`].
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Column> {
        self.0.iter_mut().map(Arc::make_mut)
    }

    /// The first column `which` accepts, for changing it: only that one is copied.
    pub fn find_mut(&mut self, mut which: impl FnMut(&Column) -> bool) -> Option<&mut Column> {
        self.0.iter_mut().find(|c| which(c)).map(Arc::make_mut)
    }

    /// The column named `name`, for changing it: only that one is copied.
    pub fn named_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.find_mut(|c| c.name == name)
    }

    /// Where the column named `name` is.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|c| c.name == name)
    }

    /// The column at `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<&Column> {
        self.0.get(i).map(|c| &**c)
    }

    /// The first column.
    pub fn first(&self) -> Option<&Column> {
        self.get(0)
    }

    /// The last column.
    pub fn last(&self) -> Option<&Column> {
        self.0.last().map(|c| &**c)
    }

    /// Adds `column` after the others.
    pub fn push(&mut self, column: Column) {
        self.0.push(Arc::new(column));
    }

    /// Puts `column` at `i`, moving those after it one place on.
    pub fn insert(&mut self, i: usize, column: Column) {
        self.0.insert(i, Arc::new(column));
    }

    /// Removes the column at `i` and hands it back.
    pub fn remove(&mut self, i: usize) -> Column {
        Arc::unwrap_or_clone(self.0.remove(i))
    }

    /// Keeps only the columns `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Column) -> bool) {
        self.0.retain(|c| keep(c));
    }

    /// Sorts the columns with `compare`, keeping the order of equal ones.
    pub fn sort_by(&mut self, mut compare: impl FnMut(&Column, &Column) -> std::cmp::Ordering) {
        self.0.sort_by(|a, b| compare(a, b));
    }

    /// Sorts the columns by `key`, keeping the order of equal ones.
    pub fn sort_by_key<K: Ord>(&mut self, mut key: impl FnMut(&Column) -> K) {
        self.0.sort_by_key(|c| key(c));
    }

    /// How many columns at the same places are the very same shared values as `other`'s (not
    /// a comparison of contents): what a test of the sharing looks at.
    pub fn shared_with(&self, other: &Columns) -> usize {
        self.0
            .iter()
            .zip(&other.0)
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count()
    }
}

impl Index<usize> for Columns {
    type Output = Column;

    fn index(&self, i: usize) -> &Column {
        &self.0[i]
    }
}

impl IndexMut<usize> for Columns {
    /// The column at `i`, for changing it: copied if another snapshot shares it.
    fn index_mut(&mut self, i: usize) -> &mut Column {
        Arc::make_mut(&mut self.0[i])
    }
}

impl From<Vec<Column>> for Columns {
    fn from(columns: Vec<Column>) -> Self {
        columns.into_iter().collect()
    }
}

impl FromIterator<Column> for Columns {
    fn from_iter<I: IntoIterator<Item = Column>>(columns: I) -> Self {
        Columns(columns.into_iter().map(Arc::new).collect())
    }
}

impl<'a> IntoIterator for &'a Columns {
    type Item = &'a Column;
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Arc<Column>>, fn(&Arc<Column>) -> &Column>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|c| &**c)
    }
}

impl<'a> IntoIterator for &'a mut Columns {
    type Item = &'a mut Column;
    type IntoIter =
        std::iter::Map<std::slice::IterMut<'a, Arc<Column>>, fn(&mut Arc<Column>) -> &mut Column>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut().map(Arc::make_mut)
    }
}

impl IntoIterator for Columns {
    type Item = Column;
    type IntoIter = std::iter::Map<std::vec::IntoIter<Arc<Column>>, fn(Arc<Column>) -> Column>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter().map(Arc::unwrap_or_clone)
    }
}

impl Extend<Column> for Columns {
    fn extend<I: IntoIterator<Item = Column>>(&mut self, columns: I) {
        self.0.extend(columns.into_iter().map(Arc::new));
    }
}

#[cfg(test)]
mod tests {
    use super::Columns;
    use crate::schema::Column;

    fn column(name: &str) -> Column {
        Column::plain(name, "text")
    }

    #[test]
    fn a_copy_shares_every_column_until_one_is_changed() {
        let first: Columns = (0..50).map(|i| column(&format!("c{i}"))).collect();
        let mut second = first.clone();
        assert_eq!(second.shared_with(&first), 50);
        second[3].nullable = false;
        if let Some(c) = second.named_mut("c40") {
            c.default = Some("1".into());
        }
        assert!(first[3].nullable);
        assert!(!second[3].nullable);
        assert_eq!(first[40].default, None);
        // Only the changed columns were copied.
        assert_eq!(second.shared_with(&first), 48);
    }

    #[test]
    fn serializes_as_a_plain_list() {
        let columns: Columns = vec![column("a"), column("b")].into();
        let json = serde_json::to_value(&columns).expect("serialize");
        assert_eq!(json.as_array().map(Vec::len), Some(2));
        let back: Columns = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, columns);
    }
}
