//! PostgreSQL: the counterpart of `store/sqlite/accounts.rs`.
