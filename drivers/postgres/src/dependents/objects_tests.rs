//! Golden tests of the statements that drop and re-create dependent objects.

use super::*;

fn view() -> Relation {
    Relation {
        label: "view s.v".into(),
        schema: "s".into(),
        name: "v".into(),
        materialized: false,
        owner: "app".into(),
        options: vec!["security_barrier=true".into(), "check_option=local".into()],
        tablespace: None,
        access_method: None,
        populated: true,
        definition: " SELECT t.id,\n    t.n\n   FROM s.t\n  WHERE (t.n > 0);".into(),
        comment: Some("it's positive".into()),
        acl: None,
        columns: vec![ColumnExtras {
            name: "n".into(),
            comment: Some("the n".into()),
            default: Some("0".into()),
            acl: vec![AclItem {
                grantor: "app".into(),
                grantee: Some("reader".into()),
                privileges: vec![("SELECT".into(), false)],
            }],
        }],
        indexes: vec![],
        rules: vec![RuleDef {
            label: "rule v_ins on view s.v".into(),
            schema: "s".into(),
            table: "v".into(),
            name: "v_ins".into(),
            definition: "CREATE RULE v_ins AS\n    ON INSERT TO s.v DO INSTEAD NOTHING;".into(),
            enabled: "O".into(),
            comment: None,
        }],
        triggers: vec![],
    }
}

#[test]
fn a_view_comes_back_with_options_owner_default_comments_grants_and_rules() {
    let v = Object::Relation(view());
    assert_eq!(v.drop(), "DROP VIEW \"s\".\"v\"");
    assert_eq!(
        v.create(),
        vec![
            "CREATE VIEW \"s\".\"v\" WITH (\"security_barrier\"='true', \"check_option\"='local') AS\nSELECT t.id,\n    t.n\n   FROM s.t\n  WHERE (t.n > 0)",
            "ALTER VIEW \"s\".\"v\" OWNER TO \"app\"",
            "ALTER VIEW \"s\".\"v\" ALTER COLUMN \"n\" SET DEFAULT 0",
            "COMMENT ON VIEW \"s\".\"v\" IS 'it''s positive'",
            "COMMENT ON COLUMN \"s\".\"v\".\"n\" IS 'the n'",
            "GRANT SELECT (\"n\") ON TABLE \"s\".\"v\" TO \"reader\"",
            "CREATE RULE v_ins AS\n    ON INSERT TO s.v DO INSTEAD NOTHING",
        ]
    );
    assert_eq!(v.parts(), vec!["rule v_ins"]);
}

#[test]
fn a_materialized_view_is_refreshed_only_when_it_was_populated() {
    let mut m = Relation {
        label: "materialized view s.m".into(),
        materialized: true,
        options: vec!["fillfactor=70".into()],
        tablespace: Some("fast".into()),
        comment: None,
        columns: vec![],
        rules: vec![],
        indexes: vec![IndexDef {
            name: "m_n".into(),
            definition: "CREATE INDEX m_n ON s.m USING btree (n)".into(),
            clustered: true,
            comment: Some("by n".into()),
        }],
        ..view()
    };
    let create = Object::Relation(m.clone()).create();
    assert_eq!(
        create,
        vec![
            "CREATE MATERIALIZED VIEW \"s\".\"v\" WITH (\"fillfactor\"='70') TABLESPACE \"fast\" AS\nSELECT t.id,\n    t.n\n   FROM s.t\n  WHERE (t.n > 0)\nWITH NO DATA",
            "ALTER MATERIALIZED VIEW \"s\".\"v\" OWNER TO \"app\"",
            "CREATE INDEX m_n ON s.m USING btree (n)",
            "ALTER MATERIALIZED VIEW \"s\".\"v\" CLUSTER ON \"m_n\"",
            "COMMENT ON INDEX \"s\".\"m_n\" IS 'by n'",
            "REFRESH MATERIALIZED VIEW \"s\".\"v\"",
        ]
    );
    m.populated = false;
    let create = Object::Relation(m).create();
    assert!(
        !create.iter().any(|s| s.starts_with("REFRESH")),
        "{create:?}"
    );
}

#[test]
fn policies_triggers_and_rules_keep_their_state() {
    let p = Object::Policy(PolicyDef {
        label: "policy p on table s.t".into(),
        schema: "s".into(),
        table: "t".into(),
        name: "p".into(),
        command: "w".into(),
        permissive: false,
        roles: vec![Some("app".into()), None],
        using: Some("(n > 0)".into()),
        check: Some("(n < 10)".into()),
        comment: Some("bounds".into()),
    });
    assert_eq!(p.drop(), "DROP POLICY \"p\" ON \"s\".\"t\"");
    assert_eq!(
        p.create(),
        vec![
            "CREATE POLICY \"p\" ON \"s\".\"t\" AS RESTRICTIVE FOR UPDATE TO \"app\", PUBLIC USING ((n > 0)) WITH CHECK ((n < 10))",
            "COMMENT ON POLICY \"p\" ON \"s\".\"t\" IS 'bounds'",
        ]
    );
    let t = Object::Trigger(TriggerDef {
        label: "trigger g on table s.t".into(),
        schema: "s".into(),
        table: "t".into(),
        name: "g".into(),
        definition: "CREATE TRIGGER g BEFORE UPDATE ON s.t FOR EACH ROW WHEN ((new.n > 0)) EXECUTE FUNCTION s.f()".into(),
        enabled: "D".into(),
        comment: None,
    });
    assert_eq!(t.drop(), "DROP TRIGGER \"g\" ON \"s\".\"t\"");
    assert_eq!(
        t.create()[1],
        "ALTER TABLE \"s\".\"t\" DISABLE TRIGGER \"g\""
    );
    let r = Object::Rule(RuleDef {
        label: "rule r on table s.t".into(),
        schema: "s".into(),
        table: "t".into(),
        name: "r".into(),
        definition: "CREATE RULE r AS ON INSERT TO s.t DO INSTEAD NOTHING;".into(),
        enabled: "A".into(),
        comment: Some("x".into()),
    });
    assert_eq!(
        r.create(),
        vec![
            "CREATE RULE r AS ON INSERT TO s.t DO INSTEAD NOTHING",
            "ALTER TABLE \"s\".\"t\" ENABLE ALWAYS RULE \"r\"",
            "COMMENT ON RULE \"r\" ON \"s\".\"t\" IS 'x'",
        ]
    );
}
