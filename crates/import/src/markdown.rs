//! Writing the assembled blocks as CommonMark.

use super::Block;

/// The first block, if a heading, is the `#` title; other headings are `##`.
pub(super) fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    let mut in_list = false;
    // Marker widths of the open ancestors, to indent nested items correctly.
    let mut indents: Vec<usize> = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        let is_item = matches!(block, Block::Item { .. });
        let continues_list = in_list && is_item;
        if !out.is_empty() && !continues_list {
            out.push('\n');
        }
        match block {
            Block::Heading(text) => {
                out.push_str(if i == 0 { "# " } else { "## " });
                out.push_str(&escape_inline(text));
            }
            Block::Paragraph(text) => out.push_str(&escape_block_start(&escape_inline(text))),
            Block::Item { level, number, delimiter, text } => {
                indents.truncate(*level);
                let indent: usize = indents.iter().sum();
                let marker = number.map_or_else(|| "-".to_owned(), |n| format!("{n}{delimiter}"));
                out.push_str(&" ".repeat(indent));
                out.push_str(&marker);
                out.push(' ');
                out.push_str(&escape_block_start(&escape_inline(text)));
                indents.push(marker.len() + 1);
            }
        }
        out.push('\n');
        in_list = is_item;
        if !is_item {
            indents.clear();
        }
    }
    out
}

/// Characters CommonMark would read as formatting are escaped.
fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '<' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text that would start a heading, quote or list is escaped at its start.
fn escape_block_start(text: &str) -> String {
    if text.starts_with(['#', '>', '=', '+', '-', '|']) {
        return format!("\\{text}");
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && text[digits..].starts_with(['.', ')']) {
        return format!("{}\\{}", &text[..digits], &text[digits..]);
    }
    text.to_owned()
}
