//! PostgreSQL: the counterpart of `store/sqlite/agreements.rs`.
