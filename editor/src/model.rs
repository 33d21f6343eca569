//! The editor's logic, without any window: the document and its verbs, undo/redo, the
//! diff shown before a commit, the palette, fresh ids, layout, presets,
//! and the session that ties them to the host. Everything here is unit-tested headless.
//! GUI thread.

pub mod diff;
pub mod document;
pub mod history;
pub mod ids;
pub mod layout;
pub mod palette;
pub mod presets;
pub mod session;
