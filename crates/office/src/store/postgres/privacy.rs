//! PostgreSQL: the counterpart of `store/sqlite/privacy.rs`.
