//! PostgreSQL: the counterpart of `store/sqlite/records.rs`.
