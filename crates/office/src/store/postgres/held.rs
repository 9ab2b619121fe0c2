//! PostgreSQL: the counterpart of `store/sqlite/held.rs`.
