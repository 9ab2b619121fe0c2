//! PostgreSQL: the counterpart of `store/sqlite/erasure_log.rs`.
