//! PostgreSQL: the counterpart of `store/sqlite/search.rs`.
