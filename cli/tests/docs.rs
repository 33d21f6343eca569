//! Keeps `docs/modules.md` equal to `chronus modules --markdown`, so the module reference
//! never goes stale. After changing a module, regenerate it with
//! `CHRONUS_UPDATE_DOCS=1 cargo test -p chronus-cli --test docs`.

use std::path::PathBuf;
use std::process::Command;

#[test]
fn docs_modules_md_is_generated_from_the_engine() {
    let out = Command::new(env!("CARGO_BIN_EXE_chronus"))
        .args(["modules", "--markdown"])
        .output()
        .expect("run chronus");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("UTF-8 Markdown");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/modules.md");
    if std::env::var_os("CHRONUS_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/modules.md is out of date with the module library; regenerate it with\n    \
         CHRONUS_UPDATE_DOCS=1 cargo test -p chronus-cli --test docs"
    );
}
