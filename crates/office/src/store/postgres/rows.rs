//! PostgreSQL: the counterpart of `store/sqlite/rows.rs`.
