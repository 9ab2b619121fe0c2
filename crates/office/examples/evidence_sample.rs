//! Writes sample evidence exports to look at:
//! `cargo run -p signbook-office --example evidence_sample -- OUT_DIR`
//! gives `signed.pdf`, `erased.pdf`, `no-agreement.pdf` and `pack.zip`;
//! `pdftoppm -r 60 -png OUT_DIR/signed.pdf page` renders them.

#[path = "../tests/evidence_fixture/mod.rs"]
mod evidence_fixture;

use evidence_fixture::{Kiosk, SCHOOL};
use signbook_office::evidence::{PackInput, record_pdf, write_pack};

fn main() -> anyhow::Result<()> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "evidence-sample".into()));
    std::fs::create_dir_all(&out)?;
    let mut kiosk = Kiosk::with(&[
        ("contractor", "Siôn Ŵyn Dafydd", Some("Ŷd & Co Cyf")),
        ("visitor", "<script>alert(1)</script>", None),
        ("governor", "Αλέξανδρος Παπαδόπουλος", None),
    ]);
    kiosk.store.erase(2, "asked to be forgotten")?;
    let (records, agreements, chain) = (kiosk.records(), kiosk.agreements(), kiosk.chain());
    std::fs::write(out.join("signed.pdf"), record_pdf(SCHOOL, &records[0], agreements.first(), &chain)?)?;
    std::fs::write(out.join("erased.pdf"), record_pdf(SCHOOL, &records[1], agreements.first(), &chain)?)?;
    std::fs::write(out.join("no-agreement.pdf"), record_pdf(SCHOOL, &records[2], None, &chain)?)?;
    let input = PackInput {
        school: SCHOOL,
        filter: "all records",
        generated_at: chrono::Utc::now(),
        records: &records,
        agreements: &agreements,
        chains: std::slice::from_ref(&chain),
        office: None,
    };
    let summary = write_pack(std::fs::File::create(out.join("pack.zip"))?, &input)?;
    println!("wrote {} ({} records in pack.zip)", out.display(), summary.records);
    Ok(())
}
