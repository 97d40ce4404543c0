//! Grants, rebuilt from the ACL the catalog holds (`aclexplode` of `relacl` / `attacl`), item
//! by item in the catalog's order, so that the re-created object's ACL reads exactly as the
//! original: the same items, grant options and grantors, in the same order.

use crate::sql::ident;

/// One ACL item: what `grantor` granted `grantee` (`None`: PUBLIC), each privilege with
/// whether it carries the grant option.
#[derive(Debug, Clone, PartialEq)]
pub struct AclItem {
    pub grantor: String,
    pub grantee: Option<String>,
    pub privileges: Vec<(String, bool)>,
}

/// A relation's ACL, when it has one (a NULL ACL means the owner's default privileges).
#[derive(Debug, Clone, PartialEq)]
pub struct Acl {
    pub items: Vec<AclItem>,
    /// Whether the first item is the owner's default: then the first GRANT of a fresh object
    /// writes it, exactly as it was written originally.
    pub starts_with_default: bool,
}

/// The statements that give `object` (`TABLE "s"."v"`, owned by `owner`) exactly `acl`.
pub fn relation_grants(object: &str, owner: &str, acl: &Acl) -> Vec<String> {
    let mut out = Vec::new();
    let items = if acl.starts_with_default {
        &acl.items[1..]
    } else {
        // The owner's default item would come first, whatever the original had there: start
        // from an empty ACL and grant every item, the owner's own included, in order.
        out.push(format!("REVOKE ALL ON {object} FROM {}", ident(owner)));
        &acl.items[..]
    };
    for item in items {
        out.extend(item_grants(object, None, owner, item));
    }
    out
}

/// The statements that give column `column` of `object` exactly the ACL `items` (a column's
/// default ACL is empty: every item is a grant).
pub fn column_grants(object: &str, column: &str, owner: &str, items: &[AclItem]) -> Vec<String> {
    items
        .iter()
        .flat_map(|item| item_grants(object, Some(column), owner, item))
        .collect()
}

/// `GRANT … TO …` for one item, with and without grant option; run as its grantor when that is
/// not the owner (a superuser's grant is recorded as the owner's).
fn item_grants(object: &str, column: Option<&str>, owner: &str, item: &AclItem) -> Vec<String> {
    let grantee = item
        .grantee
        .as_deref()
        .map_or_else(|| "PUBLIC".to_owned(), ident);
    let mut out = Vec::new();
    for grantable in [false, true] {
        let privileges: Vec<String> = item
            .privileges
            .iter()
            .filter(|(_, g)| *g == grantable)
            // aclexplode names privileges with SQL keywords (SELECT, TRUNCATE, …).
            .filter(|(p, _)| p.chars().all(|c| c.is_ascii_uppercase()))
            .map(|(p, _)| match column {
                Some(c) => format!("{p} ({})", ident(c)),
                None => p.clone(),
            })
            .collect();
        if privileges.is_empty() {
            continue;
        }
        let option = if grantable { " WITH GRANT OPTION" } else { "" };
        out.push(format!(
            "GRANT {} ON {object} TO {grantee}{option}",
            privileges.join(", ")
        ));
    }
    if item.grantor != owner && !out.is_empty() {
        out.insert(0, format!("SET ROLE {}", ident(&item.grantor)));
        out.push("RESET ROLE".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(grantor: &str, grantee: Option<&str>, privileges: &[(&str, bool)]) -> AclItem {
        AclItem {
            grantor: grantor.into(),
            grantee: grantee.map(Into::into),
            privileges: privileges
                .iter()
                .map(|(p, g)| (p.to_string(), *g))
                .collect(),
        }
    }

    const ALL: &[(&str, bool)] = &[
        ("INSERT", false),
        ("SELECT", false),
        ("UPDATE", false),
        ("DELETE", false),
        ("TRUNCATE", false),
        ("REFERENCES", false),
        ("TRIGGER", false),
    ];

    #[test]
    fn grants_follow_the_acl_with_options_and_grantors() {
        // {owner=arwdDxt/owner,alice=r*w/owner,bob=r/alice,=r/owner}
        let acl = Acl {
            items: vec![
                item("owner", Some("owner"), ALL),
                item(
                    "owner",
                    Some("alice"),
                    &[("SELECT", true), ("UPDATE", false)],
                ),
                item("alice", Some("bob"), &[("SELECT", false)]),
                item("owner", None, &[("SELECT", false)]),
            ],
            starts_with_default: true,
        };
        assert_eq!(
            relation_grants("TABLE \"s\".\"v\"", "owner", &acl),
            vec![
                "GRANT UPDATE ON TABLE \"s\".\"v\" TO \"alice\"",
                "GRANT SELECT ON TABLE \"s\".\"v\" TO \"alice\" WITH GRANT OPTION",
                "SET ROLE \"alice\"",
                "GRANT SELECT ON TABLE \"s\".\"v\" TO \"bob\"",
                "RESET ROLE",
                "GRANT SELECT ON TABLE \"s\".\"v\" TO PUBLIC",
            ]
        );
    }

    #[test]
    fn an_acl_without_the_owner_default_first_is_rebuilt_from_empty() {
        // {owner=r/owner}: the owner revoked its own privileges but SELECT.
        let acl = Acl {
            items: vec![item("owner", Some("owner"), &[("SELECT", false)])],
            starts_with_default: false,
        };
        assert_eq!(
            relation_grants("TABLE \"v\"", "owner", &acl),
            vec![
                "REVOKE ALL ON TABLE \"v\" FROM \"owner\"",
                "GRANT SELECT ON TABLE \"v\" TO \"owner\"",
            ]
        );
    }

    #[test]
    fn column_grants_name_the_column_quoted() {
        let items = [item(
            "o",
            Some("we\"ird"),
            &[("SELECT", false), ("UPDATE", true)],
        )];
        assert_eq!(
            column_grants("TABLE \"v\"", "c\"1", "o", &items),
            vec![
                "GRANT SELECT (\"c\"\"1\") ON TABLE \"v\" TO \"we\"\"ird\"",
                "GRANT UPDATE (\"c\"\"1\") ON TABLE \"v\" TO \"we\"\"ird\" WITH GRANT OPTION",
            ]
        );
    }
}
