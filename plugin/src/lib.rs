//! Chronus as a VST3 + CLAP instrument: thin glue between a plugin host and the engine.
//! (The plugin itself lands in the next commit; this file only links the framework.)

use nice_plug as _;
