//! PostgreSQL: the counterpart of `store/sqlite/configuration.rs`.
