//! The generative round trip on the four engines (see `strata_conformance::generative`):
//!
//! ```sh
//! STRATA_GEN_SEED=42 STRATA_GEN_CASES=200 cargo test -p strata-conformance --test generative
//! ```

mod flavors;
mod mongodb;
mod sql;

use std::process::ExitCode;
use std::sync::Arc;

use strata_conformance::generative::{self, Engine};
use strata_conformance::{Catalog, Provision};

// The drivers under test register themselves when linked.
use strata_mongodb as _;
use strata_mysql as _;
use strata_postgres as _;
use strata_sqlite as _;

/// Seeds that once failed, kept as regression cases (engine, seed); each is run before the
/// random cases, on the generator as it is now. Each failure's fix has its own commit; the
/// comment says what the case found.
const REGRESSIONS: &[(&str, u64)] = &[
    ("postgres", 12080860698082979646), // a default set earlier in the plan, kept as file text
    ("postgres", 17009777541048259063), // no cast back from boolean to jsonb on rollback
    ("postgres", 17302190470181094509), // a fill that breaks a CHECK
    ("postgres", 7138035284981625521),  // a bigint orphan key past an integer parent's range
    ("postgres", 15253356309017265652), // a CHECK that no longer applies to the new type
    ("postgres", 12255290135160434165), // no cast back from smallint to jsonb on rollback
    ("postgres", 393446530249310483),   // converted values compared to a unique key
    ("postgres", 8416259369615328911),  // a renamed column under a view changes type
    ("postgres", 5432657388047455303),  // a default converted by change_type, then dropped
    ("postgres", 8118591493160235865),  // placeholders repeating a defaulted unique key
    ("postgres", 14640867826177645447), // a renamed column under a view changes type
    ("postgres", 1850114613970081491), // a default written by change_type repeats a unique key, after a rename
    ("postgres", 5446149369848887464), // self-referencing placeholders repeating a unique key
    ("postgres", 15193750554048809683), // change_type twice on one column, then rollback
    ("postgres", 14670812751610711713), // a placeholder taking a default another key refuses
    ("mysql", 14539434642540194630),   // a CHECK added back for a new kind of type
    ("mysql", 17009777541048259063),   // a fill then a unique index (refusal half way)
    ("mysql", 12938969997512485767),   // bytes to text that are not UTF-8
    ("mysql", 11575897622243337988),   // a column with a unique default comes back
    ("mysql", 12254617863053380123),   // a column with a unique default comes back
    ("mysql", 15636975788396278999),   // a newline in a default, shown as \n
    ("mysql", 16631186731833640128),   // a dropped unnamed key re-added: the server's index
    ("mysql", 8118591493160235865),    // bytes to text that are not UTF-8
    ("mysql", 16927763432924390401),   // a default that does not convert, on a renamed table
    ("mysql", 8123016465725039613),    // AUTO_INCREMENT raised by placeholders
    ("mysql", 9285429154275983996),    // AUTO_INCREMENT raised by placeholders
    ("mysql", 2118876895552091609),    // RENAME COLUMN of a JSON column after other ALTERs
    ("mysql", 9428158358266441515),    // a FK definition added earlier in the migration
    ("mysql", 15746829303599751643),   // ON DELETE SET NULL on a NOT NULL column
    ("mysql", 7568070688264860115),    // SET NOT NULL under an ON DELETE SET NULL key
    ("mysql", 6627297834973095155),    // a SET NULL key on a column a CHECK names
    ("mysql", 8245808910383037670),    // a renamed column inside index and CHECK lists
    ("mysql", 15831170613429784476),   // RENAME COLUMN of a CHECKed column after aliased reads
    ("mysql", 16489598111908667233),   // drop of an index that took over a key's server-made one
    ("mysql", 2647625475536665903),    // a placeholder parent for key 0 of an AUTO_INCREMENT key
    ("mysql", 7229337618065558867), // a backup hash summed as DOUBLE: row order changed its rounding
    ("mysql", 16116005961895682711), // a foreign key to a renamed table, dropped and re-added
    ("mysql", 7722231846371685993), // a self-referencing key replaced after its table was renamed
    ("mysql", 10289800671904964766), // a renamed table dropped: re-created under its new name
    ("mysql", 16222318506077162878), // a foreign key dropped and re-added in one migration: refused
    ("mysql", 17302333679350784947), // an AUTO_INCREMENT counter at 2^63 (after i64::MAX): inspect overflowed
    ("mysql", 7643533957717714795), // a dropped column shrinks an index into one the server lets replace a foreign key's own
    ("sqlite", 1216750802008901446), // a BLOB that is not UTF-8 converted to text
    ("sqlite", 18212067460544683718), // a date converted to a float ('2020-01-01' read as 2020)
    ("sqlite", 7288202022568053572), // change_type's use_default repeating a unique key
    ("sqlite", 12136615861971507889), // a unique index on a column a fill made duplicates in
    ("sqlite", 13707243059691200688), // placeholder parent rows repeating a unique default
    ("sqlite", 327201862886117206), // orphans = "delete" rolled back onto an empty AUTOINCREMENT table
    ("sqlite", 13864816998129382871), // rename_column of a column a view on a view reads
    ("sqlite", 6039772773428257685), // drop_column, after a rename_column, of a column a view uses
    ("sqlite", 3118895009445695523), // a backfill a CHECK refuses
    ("mongodb", 620901652429024417), // change_type to bytes: $convert to binData
    ("mongodb", 4860385604869609490), // a renamed field moved to the end of its documents
    ("mongodb", 14754150273232547205), // a dropped field restored at the end of its documents
    ("mongodb", 8200284364433168472), // a renamed field moved to the end of its documents
    ("mongodb", 12649687999121528891), // a string too long for string(n) left as it was
    ("mongodb", 6847568379793874690), // a long converted to a date past the year 9999
    ("mongodb", 17722187233720418089), // a long converted to a date past the year 9999 (CI seed 3243957164815883456)
];

/// A test database of one engine, through that driver's own test helpers.
struct Databases(&'static str);

#[async_trait::async_trait]
impl Provision for Databases {
    async fn create(&self) -> anyhow::Result<String> {
        Ok(match self.0 {
            "postgres" => {
                strata_postgres::testing::create_database(&strata_postgres::testing::admin_url())
                    .await?
            }
            "mysql" => {
                strata_mysql::testing::create_database(&strata_mysql::testing::admin_url()).await?
            }
            "mongodb" => {
                strata_mongodb::testing::create_database(&strata_mongodb::testing::admin_url())
                    .await?
            }
            _ => {
                strata_sqlite::testing::create_database(&strata_sqlite::testing::admin_url())
                    .await?
            }
        })
    }

    async fn destroy(&self, url: &str) -> anyhow::Result<()> {
        match self.0 {
            "postgres" => {
                strata_postgres::testing::drop_database(&strata_postgres::testing::admin_url(), url)
                    .await?
            }
            "mysql" => {
                strata_mysql::testing::drop_database(&strata_mysql::testing::admin_url(), url)
                    .await?
            }
            "mongodb" => {
                strata_mongodb::testing::drop_database(&strata_mongodb::testing::admin_url(), url)
                    .await?
            }
            _ => {
                strata_sqlite::testing::drop_database(&strata_sqlite::testing::admin_url(), url)
                    .await?
            }
        }
        Ok(())
    }

    async fn catalog(&self, url: &str) -> anyhow::Result<Catalog> {
        Ok(match self.0 {
            "postgres" => strata_postgres::testing::catalog(url).await?,
            "mysql" => strata_mysql::testing::catalog(url).await?,
            "mongodb" => strata_mongodb::testing::catalog(url).await?,
            _ => strata_sqlite::testing::catalog(url).await?,
        })
    }
}

fn main() -> ExitCode {
    // A runner that dies leaves its lease until it expires: keep that short for the tests.
    std::env::set_var("STRATA_MONGODB_LEASE_MS", "600");
    let engine = |name: &'static str, dialect: Arc<dyn generative::Dialect>| Engine {
        name,
        provision: Arc::new(Databases(name)),
        dialect,
    };
    generative::run(
        vec![
            engine("postgres", Arc::new(flavors::Postgres)),
            engine("mysql", Arc::new(flavors::MySql)),
            engine("sqlite", Arc::new(flavors::Sqlite)),
            engine("mongodb", Arc::new(mongodb::Mongo)),
        ],
        REGRESSIONS,
    )
}
