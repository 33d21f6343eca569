//! Shared measurement tools for Chronus integration tests.
