//! Nothing here: the CLAP host test is tests/clap_host/tests/clap_host.rs.
