//! PATCH operations (RFC 7644 §3.5.2): tolerant parsing of what identity providers send, and
//! application with RFC semantics, all operations or none.
