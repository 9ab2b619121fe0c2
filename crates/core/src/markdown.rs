//! Agreement Markdown to the HTML the kiosk shows.
//!
//! The kiosk and the admin preview show exactly this HTML, so what an admin
//! previews is what a visitor reads. Raw HTML in an agreement is shown as
//! text, never interpreted: an agreement is a document, not a web page, and
//! the kiosk's webview must not run anything a Word file smuggled in. Links
//! are kept as text too, because a kiosk has nowhere to go.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, html};

/// Renders agreement Markdown (CommonMark, as the importer writes it) to HTML.
///
/// ```
/// let html = signbook_core::markdown::agreement_html("# Rules\n\n- Be kind <script>x</script>\n");
/// assert_eq!(html, "<h1>Rules</h1>\n<ul>\n<li>Be kind &lt;script&gt;x&lt;/script&gt;</li>\n</ul>\n");
/// ```
pub fn agreement_html(markdown: &str) -> String {
    let parser = Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES).filter_map(
        |event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) | Event::End(TagEnd::Link | TagEnd::Image) => None,
            other => Some(other),
        },
    );
    let mut out = String::with_capacity(markdown.len() * 5 / 4);
    html::push_html(&mut out, parser);
    out
}

#[cfg(test)]
mod tests {
    use super::agreement_html;

    #[test]
    fn headings_lists_and_paragraphs() {
        let md = "# Title\n\n## 1) Aims\n\nIntro:\n\n- one\n  - nested\n- two\n";
        assert_eq!(
            agreement_html(md),
            "<h1>Title</h1>\n<h2>1) Aims</h2>\n<p>Intro:</p>\n<ul>\n<li>one\n<ul>\n<li>nested</li>\n</ul>\n</li>\n<li>two</li>\n</ul>\n"
        );
    }

    #[test]
    fn raw_html_blocks_are_text() {
        let html = agreement_html("<img src=x onerror=alert(1)>\n\nok");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "{html}");
    }

    #[test]
    fn links_and_images_keep_only_their_words() {
        let html = agreement_html("See [the policy](javascript:alert(1)) and ![logo](http://x/y.png).");
        assert_eq!(html, "<p>See the policy and logo.</p>\n");
    }
}
