//! PostgreSQL: the counterpart of `store/sqlite/integrity.rs`.
