//! strata's metadata of a collection — portable column types, nullability, defaults, primary
//! key, and the relations (foreign keys) strata records — kept in the `strata_schema`
//! collection, and the `$jsonSchema` validator derived from it, merged with the user's own.

use serde::{Deserialize, Serialize};
use strata_core::PortableType;

/// The collection holding strata's metadata, one document per collection.
pub const SCHEMA: &str = "strata_schema";

/// One column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnMeta {
    /// Field name.
    pub name: String,
    /// Portable type.
    #[serde(rename = "type")]
    pub ty: PortableType,
    /// Whether null or missing is allowed.
    pub nullable: bool,
    /// Default value (metadata only: MongoDB applies no defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
}

/// A relation strata recorded (`add_foreign_key`); the server does not enforce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    /// Its name.
    pub name: String,
    /// The referencing fields.
    pub columns: Vec<String>,
    /// The referenced collection.
    pub references: String,
    /// The referenced fields.
    pub ref_columns: Vec<String>,
    /// `on_delete`, as written (recorded, not enforced).
    pub on_delete: String,
}

/// strata's metadata of one collection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CollectionMeta {
    /// Columns in order.
    pub columns: Vec<ColumnMeta>,
    /// Primary key fields (enforced by a unique index `<collection>_pkey`).
    #[serde(default)]
    pub primary_key: Vec<String>,
    /// Recorded relations.
    #[serde(default)]
    pub relations: Vec<Relation>,
    /// The validator the user had before strata managed the collection, kept and merged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_validator: Option<serde_json::Value>,
}

/// The columns as strata sees them (name, portable type, nullability), kept in a table's
/// definition by inspection and by each simulated step: a later step's simulation compares
/// with it to tell whether its step changed strata's metadata at all.
pub fn columns_view(columns: &strata_core::schema::Columns) -> serde_json::Value {
    columns
        .iter()
        .map(|c| serde_json::json!({ "name": c.name, "type": c.portable, "nullable": c.nullable }))
        .collect()
}

/// The BSON type name of a portable type (`None`: any type, for `json`).
pub fn bson_type(ty: PortableType) -> Option<&'static str> {
    Some(match ty {
        PortableType::Bool => "bool",
        PortableType::Int16 | PortableType::Int32 => "int",
        PortableType::Int64 => "long",
        PortableType::Float32 | PortableType::Float64 => "double",
        PortableType::Decimal { .. } => "decimal",
        PortableType::String { .. }
        | PortableType::Text
        | PortableType::Time
        | PortableType::Uuid => "string",
        PortableType::Bytes => "binData",
        PortableType::Date | PortableType::Timestamp | PortableType::TimestampTz => "date",
        PortableType::Json => return None,
    })
}

/// The `$type` name of a BSON value, for the types strata maps to (`None` for the others).
pub fn bson_type_of(value: &mongodb::bson::Bson) -> Option<&'static str> {
    use mongodb::bson::Bson;
    Some(match value {
        Bson::Boolean(_) => "bool",
        Bson::Int32(_) => "int",
        Bson::Int64(_) => "long",
        Bson::Double(_) => "double",
        Bson::Decimal128(_) => "decimal",
        Bson::String(_) => "string",
        Bson::Binary(_) => "binData",
        Bson::DateTime(_) => "date",
        _ => return None,
    })
}

/// The validator for `meta`: strata's `$jsonSchema`, `$and`-ed with the user's validator.
pub fn validator(meta: &CollectionMeta) -> serde_json::Value {
    let mut properties = serde_json::Map::new();
    for c in &meta.columns {
        let mut p = serde_json::Map::new();
        if let Some(t) = bson_type(c.ty) {
            p.insert(
                "bsonType".into(),
                if c.nullable {
                    serde_json::json!([t, "null"])
                } else {
                    serde_json::json!(t)
                },
            );
        }
        if let PortableType::String { len } = c.ty {
            p.insert("maxLength".into(), len.into());
        }
        p.insert("description".into(), format!("strata: {}", c.ty).into());
        properties.insert(c.name.clone(), serde_json::Value::Object(p));
    }
    let required: Vec<&str> = meta
        .columns
        .iter()
        .filter(|c| !c.nullable)
        .map(|c| c.name.as_str())
        .collect();
    let mut schema = serde_json::json!({ "bsonType": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = serde_json::json!(required);
    }
    let strata = serde_json::json!({ "$jsonSchema": schema });
    match &meta.user_validator {
        Some(user) => serde_json::json!({ "$and": [user, strata] }),
        None => strata,
    }
}

/// The commands that make `collection`'s metadata `meta` (or remove it) and its validator
/// match: idempotent, so a resumed run may repeat them.
pub fn set(
    collection: &str,
    meta: Option<&CollectionMeta>,
    previous_user_validator: Option<&serde_json::Value>,
) -> serde_json::Value {
    match meta {
        Some(meta) => serde_json::json!([
            { "update": SCHEMA, "updates": [{ "q": { "_id": collection }, "u": { "$set": { "meta": meta } }, "upsert": true }] },
            { "collMod": collection, "validator": validator(meta), "validationLevel": "strict" }
        ]),
        None => serde_json::json!([
            { "delete": SCHEMA, "deletes": [{ "q": { "_id": collection }, "limit": 1 }] },
            { "collMod": collection, "validator": previous_user_validator.cloned().unwrap_or_else(|| serde_json::json!({})) }
        ]),
    }
}
