//! Renders a strokes JSON file to PNG, to look at what the kiosk stores:
//!
//!     cargo run -p signbook-core --example render_signature -- IN.json OUT.png

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        return Err("usage: render_signature IN.json OUT.png".into());
    };
    let strokes = signbook_core::signature::Strokes::from_json(&std::fs::read(input)?)?;
    let png = signbook_core::signature::render_png(&strokes)?;
    std::fs::write(output, &png)?;
    println!("{output}: {} bytes", png.len());
    Ok(())
}
