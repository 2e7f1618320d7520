//! Tokens of the filter grammar.
