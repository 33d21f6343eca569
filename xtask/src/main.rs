//! `cargo xtask`: the plugin bundler (`cargo xtask bundle chronus --release`), provided by
//! nice-plug-xtask. Runs on the developer's machine, never inside a host.

fn main() -> nice_plug_xtask::Result<()> {
    nice_plug_xtask::main()
}
