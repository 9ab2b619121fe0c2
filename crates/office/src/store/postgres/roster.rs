//! PostgreSQL: the counterpart of `store/sqlite/roster.rs`.
