//! PostgreSQL: the counterpart of `store/sqlite/chain_file.rs`.
