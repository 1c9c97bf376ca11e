//! Event store conformance (being written).
