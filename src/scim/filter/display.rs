//! Canonical rendering of filters.
