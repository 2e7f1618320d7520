//! Integration tests of `scimctl serve` over real loopback HTTP. Every test starts its own
//! server on port 0 with `scimctl::serve::spawn` and stops it before returning.

mod bad_input;
mod binary;
mod bulk;
mod catalogue;
mod common;
mod crud;
mod lists;
mod protocol;
mod quirks;
mod seed;
mod wire;
mod writes;
