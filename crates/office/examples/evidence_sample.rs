//! Writes sample evidence exports to look at:
//! `cargo run -p signbook-office --example evidence_sample -- OUT_DIR`
//! gives `signed.pdf`, `erased.pdf`, `no-agreement.pdf` and `pack.zip`;
//! `pdftoppm -r 60 -png OUT_DIR/signed.pdf page` renders them, and
//! `signbook verify-export OUT_DIR/pack.zip` checks the pack.

#[path = "../tests/evidence_fixture/mod.rs"]
mod evidence_fixture;

use evidence_fixture::{Kiosk, SCHOOL};
use signbook_office::evidence::{OfficeStatementInput, PackInput, record_pdf, write_pack};
use signbook_office::tls::OfficeIdentity;

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
    // An office certificate of its own, so the pack carries the office
    // statement and the chain file an auditor checks with `verify-export`.
    let office_dir = tempfile::tempdir()?;
    let signer = OfficeIdentity::load_or_create(office_dir.path())?.signer()?;
    let held = kiosk.held();
    let input = PackInput {
        school: SCHOOL,
        filter: "all records",
        generated_at: chrono::Utc::now(),
        records: &records,
        agreements: &agreements,
        chains: std::slice::from_ref(&chain),
        office: Some(OfficeStatementInput { signer: &signer, held: &held }),
    };
    let summary = write_pack(std::fs::File::create(out.join("pack.zip"))?, &input)?;
    println!("wrote {} ({} records in pack.zip)", out.display(), summary.records);
    Ok(())
}
