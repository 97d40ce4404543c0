//! The step reference documents every op the parser accepts, and only those.

#[test]
fn docs_steps_md_has_a_section_per_op() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/steps.md"))
        .expect("docs/steps.md");
    let sections: Vec<&str> = doc.lines().filter_map(|l| l.strip_prefix("## ")).collect();
    for op in strata_core::steps::OPS {
        assert!(
            sections.contains(op),
            "docs/steps.md has no `## {op}` section"
        );
    }
    for s in &sections {
        assert!(
            strata_core::steps::OPS.contains(s),
            "docs/steps.md documents `{s}`, which is not an op"
        );
    }
}
