//! Drawn signatures: what is refused and with which message, what is
//! dropped, and what the stored PNG looks like.

use proptest::prelude::*;
use signbook_core::Hash32;
use signbook_core::signature::{MAX_JSON_BYTES, Point, Strokes, render_png};

fn fixture(name: &str) -> Strokes {
    let path = format!("{}/tests/fixtures/signatures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    Strokes::from_json(&std::fs::read(path).unwrap()).unwrap()
}

fn pad(strokes: Vec<Vec<(f64, f64)>>) -> Strokes {
    Strokes {
        width: 600.0,
        height: 240.0,
        strokes: strokes.into_iter().map(|s| s.into_iter().map(|(x, y)| Point { x, y }).collect()).collect(),
    }
}

fn code_of(json: &str) -> &'static str {
    match Strokes::from_json(json.as_bytes()).and_then(|s| render_png(&s)) {
        Ok(_) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn each_bad_signature_is_refused_with_its_own_code() {
    let zigzag: String = (0..40)
        .map(|i| format!(r#"{{"x":{},"y":{}}}"#, 50 + i * 10, if i % 2 == 0 { 60 } else { 180 }))
        .collect::<Vec<_>>()
        .join(",");
    let too_many_strokes =
        format!(r#"{{"width":600,"height":240,"strokes":[{}]}}"#, vec![r#"[{"x":1,"y":1}]"#; 301].join(","));
    // A pad scribbled over edge to edge: 19,999 points, ~18,000 pad heights of ink.
    let scribble = format!(
        r#"{{"width":600,"height":240,"strokes":[[{}]]}}"#,
        (0..19_999)
            .map(|i| format!(r#"{{"x":{},"y":{}}}"#, (i % 2) * 598 + 1, 1.0 + f64::from(i) * 0.012 % 238.0))
            .collect::<Vec<_>>()
            .join(",")
    );
    let too_many_points =
        format!(r#"{{"width":600,"height":240,"strokes":[[{}]]}}"#, vec![r#"{"x":1,"y":1}"#; 20_001].join(","));
    for (json, code) in [
        (format!(r#"{{"width":600,"height":240,"strokes":[[{zigzag}]]}}"#), "ok"),
        ("".into(), "signature_malformed"),
        ("{not json".into(), "signature_malformed"),
        (r#"{"width":600,"height":240}"#.into(), "signature_malformed"),
        (r#"{"width":"600","height":240,"strokes":[]}"#.into(), "signature_malformed"),
        (r#"{"width":600,"height":240,"strokes":[[{"x":"1","y":2}]]}"#.into(), "signature_malformed"),
        (r#"{"width":600,"height":240,"strokes":[]}"#.into(), "signature_empty"),
        (r#"{"width":600,"height":240,"strokes":[[],[]]}"#.into(), "signature_empty"),
        (r#"{"width":0,"height":240,"strokes":[[{"x":0,"y":0}]]}"#.into(), "signature_pad_invalid"),
        (r#"{"width":600,"height":-5,"strokes":[[{"x":0,"y":0}]]}"#.into(), "signature_pad_invalid"),
        (r#"{"width":1e9,"height":240,"strokes":[[{"x":0,"y":0}]]}"#.into(), "signature_pad_invalid"),
        (r#"{"width":600,"height":240,"strokes":[[{"x":300,"y":120}]]}"#.into(), "signature_dot"),
        (
            r#"{"width":600,"height":240,"strokes":[[{"x":300,"y":120},{"x":303,"y":122},{"x":301,"y":119}]]}"#.into(),
            "signature_dot",
        ),
        (
            r#"{"width":600,"height":240,"strokes":[[{"x":300,"y":120},{"x":310,"y":135},{"x":330,"y":100}]]}"#.into(),
            "signature_too_small",
        ),
        (
            r#"{"width":600,"height":240,"strokes":[[{"x":100,"y":120},{"x":180,"y":120}]]}"#.into(),
            "signature_too_short",
        ),
        (format!(r#"{{"width":600,"height":240,"strokes":[[{zigzag},{{"x":700,"y":100}}]]}}"#), "signature_out_of_pad"),
        (format!(r#"{{"width":600,"height":240,"strokes":[[{zigzag},{{"x":-3,"y":100}}]]}}"#), "signature_out_of_pad"),
        (format!(r#"{{"width":600,"height":240,"strokes":[[{zigzag},{{"x":600.5,"y":240.9}}]]}}"#), "ok"), // edge tolerance
        (r#"{"width":40,"height":240,"strokes":[[{"x":0,"y":0},{"x":40,"y":240}]]}"#.into(), "signature_pad_invalid"),
        (scribble, "signature_too_much_ink"),
        (too_many_strokes, "signature_too_many_strokes"),
        (too_many_points, "signature_too_many_points"),
    ] {
        assert_eq!(code_of(&json), code, "{}", &json[..json.len().min(120)]);
    }
}

#[test]
fn nan_and_infinite_coordinates_are_refused() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let mut strokes = fixture("realistic-short");
        strokes.strokes[0][3].y = bad;
        assert_eq!(render_png(&strokes).unwrap_err().code(), "signature_not_finite");
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let huge = vec![b' '; MAX_JSON_BYTES + 1];
    assert_eq!(Strokes::from_json(&huge).unwrap_err().code(), "signature_too_large");
}

#[test]
fn messages_speak_to_the_signer_not_the_programmer() {
    for json in [
        "{",
        r#"{"width":600,"height":240,"strokes":[]}"#,
        r#"{"width":600,"height":240,"strokes":[[{"x":300,"y":120}]]}"#,
    ] {
        let message = Strokes::from_json(json.as_bytes()).and_then(|s| render_png(&s)).unwrap_err().to_string();
        assert!(message.starts_with(char::is_uppercase) && message.ends_with('.'), "{message}");
        for jargon in ["serde", "JSON", "NaN", "EOF", "column", "f64"] {
            assert!(!message.contains(jargon), "{message}");
        }
    }
    assert_eq!(code_of(r#"{"width":600,"height":240,"strokes":[]}"#), "signature_empty");
    let empty = Strokes::from_json(br#"{"width":600,"height":240,"strokes":[]}"#).unwrap();
    assert_eq!(
        render_png(&empty).unwrap_err().to_string(),
        "The signature pad is empty. Please sign with your finger or a stylus."
    );
}

#[test]
fn realistic_signatures_of_every_length_are_accepted() {
    for name in ["realistic-short", "realistic-initials", "realistic-medium", "realistic-2000", "realistic-long"] {
        let strokes = fixture(name);
        let png = render_png(&strokes).unwrap_or_else(|e| panic!("{name} refused: {e}"));
        // What is stored is a real picture of this signature: a grayscale
        // PNG about as wide as the ink (1.5 px per pad unit, trimmed) with
        // dark ink on a white ground.
        let image = image::load_from_memory(&png).unwrap_or_else(|e| panic!("{name}: not a PNG: {e}")).into_luma8();
        let (min_x, max_x) =
            strokes.strokes.iter().flatten().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.x), b.max(p.x)));
        let expected_width = (max_x - min_x) * 1.5;
        assert!(
            f64::from(image.width()) > expected_width * 0.9 && f64::from(image.width()) < expected_width * 1.2 + 30.0,
            "{name}: {} px wide for {expected_width:.0} px of ink",
            image.width()
        );
        let dark = image.pixels().filter(|p| p.0[0] < 128).count();
        let white = image.pixels().filter(|p| p.0[0] == 255).count();
        let total = image.pixels().count();
        assert!(dark * 200 > total, "{name}: only {dark} of {total} pixels are ink");
        assert!(white * 2 > total, "{name}: the ground is not white ({white} of {total})");
    }
}

#[test]
fn timing_and_pressure_are_dropped_when_parsing() {
    let raw = std::fs::read_to_string(format!(
        "{}/tests/fixtures/signatures/realistic-2000.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert!(raw.contains("\"t\":") && raw.contains("\"pressure\":"), "the fixture carries them");
    let again = serde_json::to_string(&fixture("realistic-2000")).unwrap();
    assert!(!again.contains("\"t\"") && !again.contains("pressure"));
}

#[test]
fn the_png_is_trimmed_grayscale_ink_on_white() {
    let strokes = pad(vec![vec![(100.0, 100.0), (300.0, 100.0), (300.0, 150.0), (500.0, 150.0)]]);
    let png = render_png(&strokes).unwrap();
    let image = image::load_from_memory(&png).unwrap();
    assert_eq!(image.color(), image::ColorType::L8);
    let gray = image.to_luma8();
    // 400 x 50 units of ink at 1.5 px/unit, plus pen and margin: trimmed, not the 900 x 360 pad.
    assert!(
        (600..=630).contains(&gray.width()) && (75..=105).contains(&gray.height()),
        "{}x{}",
        gray.width(),
        gray.height()
    );
    let border =
        (0..gray.width()).map(|x| gray.get_pixel(x, 0)[0]).chain((0..gray.height()).map(|y| gray.get_pixel(0, y)[0]));
    assert!(border.into_iter().all(|v| v == 255), "the margin is white");
    let (cx, cy) = ((200.0 - 100.0) * 1.5 + 7.875, 7.875); // on the first horizontal stroke
    assert!(gray.get_pixel(cx as u32, cy as u32)[0] < 40, "ink is dark along the stroke");
    let grays = gray.pixels().filter(|p| p[0] > 20 && p[0] < 235).count();
    assert!(grays > 100, "edges are anti-aliased ({grays} intermediate pixels)");
}

#[test]
fn the_same_strokes_give_the_same_png_bytes_on_every_machine() {
    let strokes = fixture("realistic-2000");
    let png = render_png(&strokes).unwrap();
    assert_eq!(png, render_png(&strokes).unwrap());
    // Pinned: stored signature images and their digests depend on these
    // bytes. If an `image`/`png` upgrade changes them, old records still
    // verify (they carry their own PNG), but say so in the upgrade's notes.
    // Fast compression is fdeflate's alone; the default went through flate2,
    // whose backend (miniz_oxide or zlib-rs) any crate in the build can
    // switch, and with it these bytes (it did: rust_xlsxwriter's `zip`).
    assert_eq!(Hash32::of(&png).to_hex(), GOLDEN_PNG_SHA256);
}

const GOLDEN_PNG_SHA256: &str = "fcd6d43fe826408296c6a3df8912c744734fe82ad8caa89d45010fe363610f78";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = Strokes::from_json(&bytes).and_then(|s| render_png(&s));
    }

    #[test]
    fn arbitrary_geometry_never_panics(
        width in prop_oneof![Just(600.0), -10.0..20_000.0f64, Just(f64::NAN)],
        height in prop_oneof![Just(240.0), -10.0..20_000.0f64],
        strokes in proptest::collection::vec(
            proptest::collection::vec((-50.0..12_000.0f64, -50.0..700.0f64), 0..40), 0..6),
    ) {
        let s = Strokes { width, height, strokes: strokes.into_iter().map(|st| st.into_iter().map(|(x, y)| Point { x, y }).collect()).collect() };
        if let Ok(png) = render_png(&s) {
            let image = image::load_from_memory(&png).unwrap();
            prop_assert!(image.width() <= 2500 && image.height() <= 2500);
        }
    }
}

/// The office refuses images larger than the renderer can make
/// (`check_png_size`), so the renderer's worst case must stay inside it:
/// the most ink a signature may have, spread over the largest pad.
#[test]
fn the_largest_signature_the_kiosk_accepts_fits_the_office_limits() {
    use signbook_core::signature::{MAX_INK_LENGTH, MAX_PAD_SIDE, MAX_PNG_BYTES, MAX_PNG_SIDE_PX, check_png_size};
    let side = MAX_PAD_SIDE;
    // A zigzag from edge to edge whose ink is just under the limit.
    let rows = ((MAX_INK_LENGTH * side * 0.95) / side) as usize;
    let mut points = Vec::new();
    for row in 0..rows {
        let y = 1.0 + (side - 2.0) * row as f64 / rows as f64;
        let (a, b) = if row % 2 == 0 { (1.0, side - 1.0) } else { (side - 1.0, 1.0) };
        points.push((a, y));
        points.push((b, y));
    }
    let strokes =
        Strokes { width: side, height: side, strokes: vec![points.into_iter().map(|(x, y)| Point { x, y }).collect()] };
    let png = render_png(&strokes).expect("the densest accepted signature renders");
    let (width, height) = check_png_size(&png).expect("the office accepts what the kiosk renders");
    assert!(width <= MAX_PNG_SIDE_PX && height <= MAX_PNG_SIDE_PX && width > 2000, "{width}x{height}");
    assert!(png.len() <= MAX_PNG_BYTES, "{} bytes", png.len());
}

#[test]
fn images_no_kiosk_could_make_are_refused_by_size_alone() {
    use signbook_core::signature::check_png_size;
    let huge = {
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new(&mut png)
            .write_image(&vec![255u8; 3000 * 10], 3000, 10, image::ExtendedColorType::L8)
            .unwrap();
        png
    };
    use image::ImageEncoder as _;
    assert!(check_png_size(&huge).unwrap_err().contains("3000x10"), "too wide");
    assert!(check_png_size(b"GIF89a not a png").unwrap_err().contains("not a PNG"));
    assert!(check_png_size(&vec![0u8; 3 * 1024 * 1024]).unwrap_err().contains("bytes"));
    assert_eq!(check_png_size(&render_png(&fixture("realistic-medium")).unwrap()).map(|_| ()), Ok(()));
}
