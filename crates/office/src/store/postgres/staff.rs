//! PostgreSQL: the counterpart of `store/sqlite/staff.rs`.
