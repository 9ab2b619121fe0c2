//! PostgreSQL: the counterpart of `store/sqlite/pairing.rs`.
