//! Clock chaos: a kiosk clock set to 1970, jumped two years ahead and
//! stepped backwards. Order is by sequence regardless, the office flags
//! the implausible claimed times, and no record id collides.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use anyhow::Result;
use chrono::{DateTime, Duration, FixedOffset, Utc};
use signbook_core::{SignRequest, Store};
use signbook_office::testing::block_on;

use crate::checks::{ensure, office_holds};
use crate::env::{Office, new_kiosk, pair, strokes};
use crate::report::Finding;

pub fn run(dir: &Path, fast_signatures: u64) -> Result<Vec<Finding>> {
    let office = Office::start(&dir.join("office"))?;
    let mut store = new_kiosk(&dir.join("kiosk.db"))?;
    pair(&mut store, &office, &office.url())?;
    let now = Utc::now().fixed_offset();
    let epoch = DateTime::parse_from_rfc3339("1970-01-01T00:00:00+00:00")?;
    // (claimed time, should the office flag it?)
    let timeline: Vec<(DateTime<FixedOffset>, bool)> = vec![
        (now, false),
        (epoch, true),
        (epoch + Duration::seconds(5), true),
        (now + Duration::days(730), true),
        (now + Duration::days(730) + Duration::minutes(1), true),
        (now - Duration::hours(1), false), // stepped back (NTP correction)
        (now - Duration::hours(3), false),
        (now, false),
    ];
    let strokes = strokes();
    let mut flagged = BTreeSet::new();
    for (i, (at, implausible)) in timeline.iter().enumerate() {
        let receipt = store.sign_at(
            &SignRequest {
                role: "visitor",
                name: &format!("Clock Person{i}"),
                organisation: None,
                strokes: &strokes,
                agreement: None,
            },
            *at,
        )?;
        ensure(receipt.seq == i as u64 + 1, "sequence follows signing order, whatever the clock says", || {
            format!("{i}: seq {}", receipt.seq)
        })?;
        if *implausible {
            flagged.insert(receipt.seq);
        }
    }
    // Many signatures within the same millisecond-scale window: ids stay unique.
    crate::env::fill(&mut store, fast_signatures)?;
    // Push with the kiosk's own clock at 1970: the office's Date header corrects it.
    let report = signbook_sync::push_with_clock(&mut store, 200, &|| epoch.with_timezone(&Utc))?;
    ensure(report.pending == 0, "a kiosk at 1970 still syncs", || format!("{report:?}"))?;
    let db = office.db()?;
    office_holds(&db, &store)?;
    let alerts: BTreeSet<u64> =
        block_on(db.alerts())?.into_iter().filter(|a| a.kind == "clock_implausible").filter_map(|a| a.seq).collect();
    ensure(alerts == flagged, "the office flags exactly the implausible claimed times", || {
        format!("flagged {alerts:?}, expected {flagged:?}")
    })?;
    let ids = record_ids(&store)?;
    ensure(ids.len() as u64 == store.head()?.map_or(0, |(s, _)| s), "no record id collides", || {
        format!("{} distinct ids", ids.len())
    })?;
    Ok(vec![
        Finding::new(
            "clock chaos",
            "records signed at 1970, +2 years, stepped back, and normal",
            timeline.len() as u64 + fast_signatures,
        ),
        Finding::new("clock chaos", "sequence order / id collisions", "signing order / 0"),
        Finding::new(
            "clock chaos",
            "clock_implausible alerts (expected)",
            format!("{} ({})", alerts.len(), flagged.len()),
        ),
        Finding::new("clock chaos", "push with the kiosk clock at 1970", "synced (office Date header used)"),
    ])
}

fn record_ids(store: &Store) -> Result<HashSet<uuid::Uuid>> {
    let head = store.head()?.map_or(0, |(s, _)| s);
    (1..=head).map(|s| Ok(store.record(s)?.header.id)).collect()
}
