//! What the integration tests share, so each topic module holds only its tests: the `scimctl`
//! binary run hermetically, child processes that never outlive their test, readiness waits that
//! are bounded, and the servers the tests talk to. Nothing here asserts a product behaviour.

mod concurrent;
mod env;
mod process;
mod servers;
mod terminal;

pub use concurrent::concurrently;
pub use env::{Env, TOKEN, snapshots, table_snapshots};
pub use process::{Home, Lines, Run, Running, wait_until};
pub use servers::{Scim2Server, Server, client_of, demo_seed, venv_program};
pub use terminal::{has_terminal_controls, is_whole_trace, run_on_terminal, shown_pieces};
