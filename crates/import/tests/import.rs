//! The agreement importer, one kind of debris at a time, on fixtures
//! written for this project; exact Markdown is asserted.

use proptest::prelude::*;
use signbook_import::{RemovedReason, import_text};

fn md(input: &str) -> String {
    import_text(input).markdown
}

/// Alphanumeric words, lowercased: what "nothing lost" compares. A lone
/// "o" is left out: at the start of a line it is Word's sub-bullet glyph.
fn words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && *w != "o")
        .map(str::to_lowercase)
        .collect();
    w.sort();
    w
}

#[test]
fn word_export_debris_is_removed_and_toc_lines_become_headings() {
    let input = "[bookmark: _Toc101]Staff Code\n\
        Everyone who uses school systems must follow this code.\n\
        [bookmark: _Toc102]This code is intended to ensure:\n\
        · that staff stay safe online\n\
        · that systems are protected\n\
        [bookmark: _Toc103][bookmark: _Hlk9]Using Email\n\
        \u{2022} I will use my school account.\n";
    let imported = import_text(input);
    assert_eq!(
        imported.markdown,
        "# Staff Code\n\nEveryone who uses school systems must follow this code.\n\nThis code is intended to ensure:\n\n\
         - that staff stay safe online\n- that systems are protected\n\n## Using Email\n\n- I will use my school account.\n"
    );
    assert_eq!(imported.title.as_deref(), Some("Staff Code"));
    let bookmarks = imported.removed.iter().filter(|r| r.reason == RemovedReason::WordBookmark).count();
    assert_eq!(bookmarks, 4);
}

#[test]
fn every_bullet_glyph_becomes_a_dash_item() {
    for glyph in ["-", "·", "•", "▪", "●", "\u{F0B7}", "\u{F0A7}", "*", "–"] {
        let input = format!("Rules for everyone:\n{glyph} I will log off.\n{glyph}\tI will lock my screen.\n");
        assert_eq!(
            md(&input),
            "Rules for everyone:\n\n- I will log off.\n- I will lock my screen.\n",
            "glyph {glyph:?}"
        );
    }
}

#[test]
fn a_bullet_reduced_to_a_leading_space_is_still_an_item() {
    let input = "- I will keep data secure.\n Personal data may only leave school encrypted.\n- I will report loss.\n";
    assert_eq!(
        md(input),
        "- I will keep data secure.\n- Personal data may only leave school encrypted.\n- I will report loss.\n"
    );
}

#[test]
fn hard_wrapped_lines_are_rejoined_into_their_item_or_paragraph() {
    let input = "- I will report any accidental access to inappropriate materials immediately to\n my line manager. I will not browse any\n material that is offensive.\n- Next item.\n\nThe school will try to ensure that staff\nhave good access to technology.\n";
    assert_eq!(
        md(input),
        "- I will report any accidental access to inappropriate materials immediately to my line manager. I will not browse any material that is offensive.\n- Next item.\n\nThe school will try to ensure that staff have good access to technology.\n"
    );
}

#[test]
fn a_sentence_continuing_across_a_blank_line_is_rejoined_but_a_new_one_is_not() {
    assert_eq!(
        md("I will keep my password\n\nsecret at all times.\n"),
        "I will keep my password secret at all times.\n"
    );
    assert_eq!(
        md("I will keep my password secret\n\nThe school will help.\n"),
        "I will keep my password secret\n\nThe school will help.\n"
    );
}

#[test]
fn a_word_hyphenated_at_a_line_end_is_rejoined_but_a_hyphenated_word_keeps_its_hyphen() {
    let input = "Staff keep personal infor-\nmation safe, use multi-\nfactor sign-in and follow the e-\nsafety policy. Multi-factor sign-in is on.\n";
    assert_eq!(
        md(input),
        "Staff keep personal information safe, use multi-factor sign-in and follow the e-safety policy. Multi-factor sign-in is on.\n"
    );
}

#[test]
fn ligatures_and_no_break_spaces_from_a_pdf_become_plain_text() {
    assert_eq!(md("The ﬁrst ﬂag is conﬁdential:\u{a0}report it.\n"), "The first flag is confidential: report it.\n");
}

#[test]
fn page_numbers_are_removed_wherever_they_land() {
    let input =
        "- I will store my passwords securely. 28\n\n6\n\n- I will report\n\nPage 6 of 6\n\nany loss at once.\n";
    let imported = import_text(input);
    assert_eq!(imported.markdown, "- I will store my passwords securely.\n- I will report any loss at once.\n");
    let reasons: Vec<_> = imported.removed.iter().map(|r| (r.reason, r.text.as_str())).collect();
    assert_eq!(
        reasons,
        [
            (RemovedReason::GluedPageNumber, "28"),
            (RemovedReason::PageNumber, "6"),
            (RemovedReason::PageNumber, "Page 6 of 6")
        ]
    );
}

#[test]
fn numbered_and_all_caps_headings_stay_headings() {
    let input = "ONLINE SAFETY POLICY\n\n1) AIMS\n\nThis policy aims to keep pupils safe.\n\n2. Training\n\nAll staff receive training.\n\n3. I will complete the training every year.\n";
    assert_eq!(
        md(input),
        "# ONLINE SAFETY POLICY\n\n## 1) AIMS\n\nThis policy aims to keep pupils safe.\n\n## 2. Training\n\nAll staff receive training.\n\n3. I will complete the training every year.\n"
    );
}

#[test]
fn sub_items_under_an_item_ending_with_a_colon_are_nested() {
    let input =
        "· When using AI I will:\n· only use approved tools\n· check outputs for accuracy\n· I will report misuse.\n";
    assert_eq!(
        md(input),
        "- When using AI I will:\n  - only use approved tools\n  - check outputs for accuracy\n- I will report misuse.\n"
    );
    let word_style = "• Devices:\no Laptops must be encrypted.\no Phones must have a PIN.\n• Email is monitored.\n";
    assert_eq!(
        md(word_style),
        "- Devices:\n  - Laptops must be encrypted.\n  - Phones must have a PIN.\n- Email is monitored.\n"
    );
}

#[test]
fn lead_in_lines_ending_in_a_colon_stay_paragraphs() {
    assert_eq!(
        md("For my professional safety:\n- I will log off.\n"),
        "For my professional safety:\n\n- I will log off.\n"
    );
}

#[test]
fn the_paper_signature_block_is_removed() {
    let input = "I agree to follow this code.\nStaff/Volunteer Name:\t\t\t\nSigned:.................\nPrint name......................\nDate: ____________\nSchool.....\n";
    let imported = import_text(input);
    assert_eq!(imported.markdown, "I agree to follow this code.\n");
    assert_eq!(imported.removed.iter().filter(|r| r.reason == RemovedReason::SignatureBlock).count(), 5);
}

#[test]
fn review_metadata_is_kept_out_of_the_body_and_returned() {
    let input = "Code of Conduct\n\nReviewed:\n\nJanuary 2025\n\nBe kind online.\n\nNext review date: January 2026\nAdopted by the Governing Body on 3 March 2025\n";
    let imported = import_text(input);
    assert_eq!(imported.markdown, "# Code of Conduct\n\nBe kind online.\n");
    assert_eq!(
        imported.metadata,
        [
            ("Reviewed".to_owned(), "January 2025".to_owned()),
            ("Next review date".to_owned(), "January 2026".to_owned()),
            ("Adopted by the Governing Body on 3 March 2025".to_owned(), String::new()),
        ]
    );
}

#[test]
fn a_repeated_title_is_dropped_once() {
    let imported = import_text("Staff & Visitor Agreement\n\nStaff and Visitor Agreement\n\nRead this.\n");
    assert_eq!(imported.markdown, "# Staff & Visitor Agreement\n\nRead this.\n");
    assert_eq!(imported.removed[0].reason, RemovedReason::RepeatedTitle);
}

#[test]
fn markdown_input_passes_through_and_formatting_characters_are_escaped() {
    assert_eq!(md("# AUP\n\n## Email\n\n- Use *school* email.\n"), "# AUP\n\n## Email\n\n- Use \\*school\\* email.\n");
    assert_eq!(md("Rule <b>one</b> [link].\n"), "Rule \\<b>one\\</b> \\[link\\].\n");
}

#[test]
fn the_three_kinds_of_school_text_keep_every_word() {
    let input = "[bookmark: _Toc1]Policy\nIntro text that wraps\nacross lines.\n· Item one. 12\n o nested point\n\nPage 2 of 3\n\nSigned:.....\nReviewed: May 2024\n";
    let imported = import_text(input);
    let mut kept = words(&imported.markdown);
    for r in &imported.removed {
        kept.extend(words(&r.text));
    }
    for (label, value) in &imported.metadata {
        kept.extend(words(label));
        kept.extend(words(value));
    }
    kept.sort();
    assert_eq!(kept, words(input));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// On any mix of words, debris and glyphs: no panic, and every word is
    /// either in the Markdown or reported as removed or as metadata.
    #[test]
    fn no_word_is_ever_lost(lines in proptest::collection::vec(
        prop_oneof![
            "[A-Za-z]{1,9}( [a-z]{1,9}){0,12}[.:;]?",
            "[·•▪\u{F0B7}-] [A-Za-z]{2,9}( [a-z]{1,9}){0,8}[.:]?",
            " [a-z]{2,9}( [a-z]{1,9}){0,5}",
            "[0-9]{1,3}",
            "Page [0-9] of [0-9]",
            "\\[bookmark: _Toc[0-9]{3}\\][A-Z][a-z]{2,8}",
            "(Signed|Date|Print name)[:._]{1,6}",
            "Reviewed: (May|June) 20[0-9]{2}",
            "[A-Z]{3,8}( [A-Z]{3,8}){0,3}",
            "[0-9]\\) [A-Z]{3,8}",
            "[A-Z][a-z]{2,8}\\.{6,12}[0-9]{1,2}",
            "(Version|Owner|Next Review Due)\t[A-Za-z0-9]{1,8}( [a-z]{1,6}){0,2}",
            "[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}, [0-9]{1,2}:[0-9]{2} PM [A-Z][a-z]{3,8}",
            " {1,4}[A-Z][a-z]{2,8}( [a-z]{1,9}){0,5}\\.",
            "(Name|Signature|Date|Job title)( (Name|Signature|Date)){0,2}",
            "[a-z]{2,9}( [a-z]{1,9}){0,5} Page [0-9] of [0-9]",
            "",
        ], 0..30)) {
        let input = lines.join("\n");
        let imported = import_text(&input);
        let mut kept = words(&imported.markdown);
        for r in &imported.removed { kept.extend(words(&r.text)); }
        for (label, value) in &imported.metadata { kept.extend(words(label)); kept.extend(words(value)); }
        kept.sort();
        prop_assert_eq!(kept, words(&input));
    }

    #[test]
    fn arbitrary_text_never_panics(input in "\\PC{0,400}") {
        let _ = import_text(&input);
    }
}

/// Greedy hard wrap at `width` characters, as a PDF lays out a line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().unwrap();
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(word.to_owned());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A list as a PDF gives it when pasted (any glyph, a number, or only
    /// the space left of a lost glyph; hard-wrapped at any width; long and
    /// short items, capitalised or not): every item starts its own list
    /// entry and no two items share one.
    #[test]
    fn no_two_list_items_end_up_in_one_block(
        items in proptest::collection::vec(("[a-z]{2,9}( [a-z]{1,9}){0,25}", any::<bool>(), any::<bool>()), 2..12),
        marker in prop_oneof![Just("• "), Just("- "), Just("\u{F0B7} "), Just("▪ "), Just("1. "), Just(" ")],
        width in 40usize..110,
        blank_between in any::<bool>(),
    ) {
        let mut input = String::from("Each member of staff must follow these rules:\n");
        for (k, (words, capital, full_stop)) in items.iter().enumerate() {
            let token = if *capital { format!("Zq{k}x") } else { format!("zq{k}x") };
            let text = format!("{token} {words}{}", if *full_stop { "." } else { "" }).replace(&format!("{token} "), &format!("{token} "));
            let marker = if marker == "1. " { format!("{}. ", k + 1) } else { marker.to_owned() };
            for (n, line) in wrap(&text, width).iter().enumerate() {
                input.push_str(if n == 0 { &marker } else { "" });
                input.push_str(line);
                input.push('\n');
            }
            if blank_between {
                input.push('\n');
            }
        }
        let markdown = import_text(&input).markdown;
        for (k, (_, capital, _)) in items.iter().enumerate() {
            let token = if *capital { format!("Zq{k}x") } else { format!("zq{k}x") };
            let starts_item = markdown.lines().any(|line| {
                let entry = line.trim_start().trim_start_matches(|c: char| c.is_ascii_digit());
                entry.strip_prefix("- ").or_else(|| entry.strip_prefix(". ")).is_some_and(|e| e.starts_with(&token))
            });
            prop_assert!(starts_item, "item {k} does not start a list entry:\n{input}\n---\n{markdown}");
        }
        for line in markdown.lines() {
            let tokens = (0..items.len()).filter(|k| line.contains(&format!("q{k}x "))).count();
            prop_assert!(tokens <= 1, "two items in one block: {line:?}\n{input}\n---\n{markdown}");
        }
    }
}

/// "o" is a PDF bullet and a Welsh word ("from"): a sentence wrapped onto a
/// line starting with it goes on; a list drawn with "o" stays a list.
#[test]
fn a_wrapped_line_starting_with_the_welsh_word_o_is_not_a_bullet() {
    let welsh = "Rwy'n deall y bydd yr ysgol yn cadw cofnod o'r llofnod hwn ac o bob ymweliad a wnaf\no dan bolisi diogelu'r ysgol.\n";
    assert_eq!(
        import_text(welsh).markdown,
        "Rwy'n deall y bydd yr ysgol yn cadw cofnod o'r llofnod hwn ac o bob ymweliad a wnaf o dan bolisi diogelu'r ysgol.\n"
    );
    let list = "Topics:\no e-safety\no passwords\no social media\n";
    let markdown = import_text(list).markdown;
    assert!(markdown.ends_with("\n- e-safety\n- passwords\n- social media\n"), "{markdown}");
}
