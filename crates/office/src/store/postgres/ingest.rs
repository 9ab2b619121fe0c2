//! PostgreSQL: the counterpart of `store/sqlite/ingest.rs`.
