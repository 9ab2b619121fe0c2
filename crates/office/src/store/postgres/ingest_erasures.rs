//! PostgreSQL: the counterpart of `store/sqlite/ingest_erasures.rs`.
