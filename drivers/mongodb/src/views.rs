//! Views, and which collections and fields they depend on.
//!
//! A MongoDB view is its source's name (`viewOn`) and a pipeline, evaluated when the view is
//! read: a converted field leaves it valid, but a removed or renamed field, or a renamed
//! collection, breaks it silently. A view on a view depends on its source's sources too. A
//! pipeline names a field as a path (`"$field"`, `"$field.sub"`) or as a key (`{ field: … }`,
//! `{ "field.sub": … }`); strata takes any such mention as a use, which errs towards refusing.

use mongodb::bson::{doc, Bson};
use strata_core::Result;

use crate::connection::Session;

/// One view.
#[derive(Debug, Clone)]
pub struct View {
    /// Its name.
    pub name: String,
    /// The collection or view it reads.
    pub on: String,
    /// Its pipeline.
    pub pipeline: Vec<Bson>,
}

/// Every view of the database.
pub async fn all(session: &Session) -> Result<Vec<View>> {
    Ok(session
        .cursor(doc! { "listCollections": 1, "filter": { "type": "view" } })
        .await?
        .into_iter()
        .filter_map(|c| {
            let options = c.get_document("options").ok()?;
            Some(View {
                name: c.get_str("name").ok()?.to_owned(),
                on: options.get_str("viewOn").ok()?.to_owned(),
                pipeline: options.get_array("pipeline").cloned().unwrap_or_default(),
            })
        })
        .collect())
}

/// The views that read `collection`, directly or through other views, nearest first.
pub fn on<'a>(views: &'a [View], collection: &str) -> Vec<&'a View> {
    let mut out: Vec<&View> = Vec::new();
    let mut sources = vec![collection.to_owned()];
    while let Some(source) = sources.pop() {
        for v in views.iter().filter(|v| v.on == source) {
            if !out.iter().any(|o| o.name == v.name) {
                out.push(v);
                sources.push(v.name.clone());
            }
        }
    }
    out
}

fn names_field(value: &Bson, field: &str) -> bool {
    let path = |s: &str| s == field || s.starts_with(&format!("{field}."));
    match value {
        Bson::String(s) => s.strip_prefix('$').is_some_and(path),
        Bson::Array(a) => a.iter().any(|v| names_field(v, field)),
        Bson::Document(d) => d.iter().any(|(k, v)| path(k) || names_field(v, field)),
        _ => false,
    }
}

/// The views over `collection` whose pipelines name `field` (`view v`).
pub fn naming_field(views: &[View], collection: &str, field: &str) -> Vec<String> {
    on(views, collection)
        .into_iter()
        .filter(|v| v.pipeline.iter().any(|stage| names_field(stage, field)))
        .map(|v| format!("view {}", v.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(name: &str, on: &str, pipeline: Vec<Bson>) -> View {
        View {
            name: name.into(),
            on: on.into(),
            pipeline,
        }
    }

    #[test]
    fn views_on_views_depend_on_the_collection() {
        let views = [
            view("b", "a", vec![]),
            view("a", "orders", vec![]),
            view("c", "users", vec![]),
        ];
        let names: Vec<&str> = on(&views, "orders")
            .iter()
            .map(|v| v.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn a_pipeline_names_a_field_as_a_path_or_a_key() {
        let views = [
            view(
                "paid",
                "orders",
                vec![Bson::Document(doc! { "$match": { "status": "paid" } })],
            ),
            view(
                "sums",
                "orders",
                vec![Bson::Document(
                    doc! { "$group": { "_id": "$user.id", "n": { "$sum": "$amount" } } },
                )],
            ),
        ];
        assert_eq!(naming_field(&views, "orders", "status"), ["view paid"]);
        assert_eq!(naming_field(&views, "orders", "amount"), ["view sums"]);
        assert_eq!(naming_field(&views, "orders", "user"), ["view sums"]);
        assert!(
            naming_field(&views, "orders", "paid").is_empty(),
            "a value is not a field"
        );
    }
}
