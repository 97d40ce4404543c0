//! SQLite's own schema text, read and edited in place. SQLite keeps a table's constraint
//! names, CHECKs, collations and the way its author wrote them only in the `CREATE TABLE`
//! text of `sqlite_master`; strata's rebuild starts from that text, so it reads it here
//! (`lexer`, `table`, `constraints`), changes exactly the clause a step is about (`edit`),
//! and predicts what SQLite itself writes when it renames (`rename`) — the text a later step
//! of the same migration starts from.

mod constraints;
mod cursor;
pub mod edit;
pub mod lexer;
mod model;
pub mod refs;
pub mod rename;
mod table;
pub mod trigger;

pub use model::{ColumnConstraintKind, CreateTable, TableConstraintKind};
pub use table::{is_strict, parse};
