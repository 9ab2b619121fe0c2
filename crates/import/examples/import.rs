//! `cargo run -p signbook-import --example import -- FILE [--report]`: the
//! Markdown an agreement file imports to, on stdout; with `--report`, the
//! title, metadata and removals the kiosk's preview lists, instead. Used to
//! look at a new corpus document before writing down what it should give.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: import FILE [--report]")?;
    let imported = signbook_import::import_file(std::path::Path::new(&path))?;
    if args.next().as_deref() == Some("--report") {
        print!("{}", signbook_import::report_text(&imported));
    } else {
        print!("{}", imported.markdown);
    }
    Ok(())
}
