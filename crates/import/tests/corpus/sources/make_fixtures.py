#!/usr/bin/env python3
"""Makes the importer's corpus fixtures from small source documents.

Each `sources/NAME.src` is a tiny markup (below) for an agreement laid out
as schools lay theirs out: real list styles with their own bullet glyphs
and numbering, headers and footers on every page, page numbers, tables.
This script writes it as a LibreOffice flat document (.fodt), then has
LibreOffice itself export it, so the fixtures are what Word-like software
and PDF viewers really produce rather than what we imagine they do:

  NAME.pdf        LibreOffice's PDF export (imported directly)
  NAME.paste.txt  `pdftotext -raw` of that PDF: text in the order it is drawn, which is
                  what copying out of a PDF viewer gives
  NAME.docx       Word 2007+ export
  NAME.odt        LibreOffice's own format

Which of these go into the corpus is chosen per source (`@formats`).
Some sources also ask for a lossy paste (`@lost-bullets`): the PDF's text
with its bullet glyphs replaced by a space, which is what copying from a
viewer gives when the bullet is a Symbol-font glyph with no Unicode.

Needs LibreOffice (Debian: libreoffice-writer-nogui) and poppler-utils.
Run from anywhere: python3 crates/import/tests/corpus/sources/make_fixtures.py [NAME...]
The tests read only the committed outputs; they never run this.

Markup, one paragraph a line:
  @header TEXT / @footer TEXT   on every page; {page} and {pages} are fields, \\t a tab
  @formats pdf paste docx odt   the outputs copied into the corpus
  @lost-bullets                 also write NAME.lost.txt (bullet glyphs lost)
  @bullets • o ▪                bullet glyph per level
  @font NAME                    body font
  @columns-narrow               narrow page (more hard wraps and hyphenation)
  = TEXT                        Title style
  # TEXT / ## TEXT              Heading 1 / Heading 2 styles
  - TEXT                        bullet item; two more spaces of indent per level
  1. / 1) / (a) / i. / a) TEXT  numbered item, numbered in that style by LibreOffice
  +continue                     the next list continues the previous one's numbering
  ---page                       the next paragraph starts a new page
  ~toc TEXT<TAB>N               a table-of-contents line: right tab with dot leader
  | A | B |                     a table row
  TEXT                          a paragraph (\\t is a tab, **x** bold, *x* italic)
"""

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent

NUMBERED = re.compile(r"^(\(?)([0-9]+|[a-z]|[ivx]+)([.)])\s+(.*)$")


def inline(text):
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r'<text:span text:style-name="Bold">\1</text:span>', out)
    out = re.sub(r"(?<![*\w])\*(?!\s)(.+?)\*(?!\w)", r'<text:span text:style-name="Italic">\1</text:span>', out)
    out = out.replace("\\t", "<text:tab/>").replace("\t", "<text:tab/>")
    out = out.replace("{page}", '<text:page-number text:select-page="current">1</text:page-number>')
    out = out.replace("{pages}", "<text:page-count>1</text:page-count>")
    return out


def parse_item(line):
    """(level, marker spec or None for bullet, text) for a list line, else None."""
    indent = len(line) - len(line.lstrip(" "))
    body = line.strip()
    level = indent // 2
    if body.startswith("- "):
        return level, None, body[2:]
    m = NUMBERED.match(body)
    if m and (m.group(1) == "" or m.group(3) == ")"):
        prefix, number, suffix, text = m.groups()
        if number.isdigit():
            fmt = "1"
        elif re.fullmatch(r"[ivx]+", number) and number != "i" or number == "i" and suffix == ".":
            fmt = "i"
        else:
            fmt = "a"
        return level, (prefix, fmt, suffix), text
    return None


class Doc:
    def __init__(self, name, lines):
        self.name = name
        self.meta = {"formats": ["pdf", "paste"], "bullets": ["•", "◦", "▪"], "font": "Liberation Sans"}
        self.body = []
        self.list_styles = []
        self.flags = set()
        self.parse(lines)

    def parse(self, lines):
        pending_break = False
        continue_next = False
        i = 0
        while i < len(lines):
            line = lines[i].rstrip("\n")
            if line.startswith("@"):
                key, _, value = line[1:].partition(" ")
                if key in ("formats", "bullets"):
                    self.meta[key] = value.split()
                elif value:
                    self.meta[key] = value
                else:
                    self.flags.add(key)
                i += 1
                continue
            if not line.strip():
                i += 1
                continue
            if line == "---page":
                pending_break = True
                i += 1
                continue
            if line == "+continue":
                continue_next = True
                i += 1
                continue
            if parse_item(line):
                items = []
                while i < len(lines) and lines[i].strip() and parse_item(lines[i].rstrip("\n")):
                    items.append(parse_item(lines[i].rstrip("\n")))
                    i += 1
                self.body.append(self.list_xml(items, pending_break, continue_next))
                pending_break = continue_next = False
                continue
            if line.startswith("|"):
                rows = []
                while i < len(lines) and lines[i].startswith("|"):
                    rows.append([c.strip() for c in lines[i].strip().strip("|").split("|")])
                    i += 1
                self.body.append(self.table_xml(rows))
                continue
            style = "Body"
            text = line
            if line.startswith("= "):
                style, text = "Title", line[2:]
            elif line.startswith("## "):
                style, text = "Heading_20_2", line[3:]
            elif line.startswith("# "):
                style, text = "Heading_20_1", line[2:]
            elif line.startswith("~toc "):
                style, text = "Toc", line[5:]
            if pending_break:
                style = {"Body": "BodyBreak", "Heading_20_1": "H1Break", "Title": "Title"}.get(style, style)
            tag = "text:h" if style.startswith("H") else "text:p"
            outline = ' text:outline-level="1"' if style in ("Heading_20_1", "H1Break") else ""
            outline = ' text:outline-level="2"' if style == "Heading_20_2" else outline
            self.body.append(f'<{tag} text:style-name="{style}"{outline}>{inline(text)}</{tag}>')
            pending_break = False
            i += 1

    def list_xml(self, items, page_break, continue_numbering):
        levels = {}
        for level, spec, _ in items:
            levels.setdefault(level, spec)
        name = f"L{len(self.list_styles) + 1}"
        style = [f'<text:list-style style:name="{name}">']
        for level in range(10):
            spec = levels.get(level, levels.get(max(k for k in levels if k <= level) if any(k <= level for k in levels) else 0))
            indent = 0.64 * (level + 1)
            props = (
                '<style:list-level-properties text:list-level-position-and-space-mode="label-alignment">'
                f'<style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="{indent:.2f}cm" '
                f'fo:text-indent="-0.64cm" fo:margin-left="{indent:.2f}cm"/></style:list-level-properties>'
            )
            if spec is None:
                glyphs = self.meta["bullets"]
                glyph = glyphs[min(level, len(glyphs) - 1)]
                font = ' style:font-name="Symbol"' if "\uf000" <= glyph <= "\uf0ff" else ""
                style.append(
                    f'<text:list-level-style-bullet text:level="{level + 1}" text:bullet-char="{glyph}">{props}'
                    f"<style:text-properties{font}/></text:list-level-style-bullet>"
                )
            else:
                prefix, fmt, suffix = spec
                style.append(
                    f'<text:list-level-style-number text:level="{level + 1}" style:num-prefix="{prefix}" '
                    f'style:num-suffix="{suffix}" style:num-format="{fmt}">{props}</text:list-level-style-number>'
                )
        style.append("</text:list-style>")
        self.list_styles.append("".join(style))

        # ODF continues a list's numbering by naming the list it carries on.
        cont = f' text:continue-list="list{len(self.list_styles) - 1}"' if continue_numbering else ""
        out = [f'<text:list xml:id="list{len(self.list_styles)}" text:style-name="{name}"{cont}>']
        depth = 0
        open_item = False
        for n, (level, _, text) in enumerate(items):
            level = min(level, depth + 1)
            if level > depth:
                # A list that starts one level in hangs from an item with no paragraph.
                out.append("<text:list>" if open_item else "<text:list-item><text:list>")
                depth += 1
                open_item = False
            while level < depth:
                out.append("</text:list-item></text:list>")
                depth -= 1
                open_item = True
            if open_item:
                out.append("</text:list-item>")
            out.append("<text:list-item>" + self.item_para(text, page_break and n == 0))
            open_item = True
        out.append("</text:list-item>")
        while depth > 0:
            out.append("</text:list></text:list-item>")
            depth -= 1
        out.append("</text:list>")
        return "".join(out)

    def item_para(self, text, page_break):
        style = "ListBreak" if page_break else "ListBody"
        return f'<text:p text:style-name="{style}">{inline(text)}</text:p>'

    def table_xml(self, rows):
        cols = max(len(r) for r in rows)
        out = [f'<table:table table:name="Table{len(self.body)}" table:style-name="Tbl">',
               f'<table:table-column table:number-columns-repeated="{cols}"/>']
        for row in rows:
            out.append("<table:table-row>")
            for cell in row + [""] * (cols - len(row)):
                out.append(f'<table:table-cell table:style-name="Cell" office:value-type="string"><text:p text:style-name="Body">{inline(cell)}</text:p></table:table-cell>')
            out.append("</table:table-row>")
        out.append("</table:table>")
        return "".join(out)

    def fodt(self):
        narrow = "columns-narrow" in self.flags
        width, margin = ("14.8cm", "2.2cm") if narrow else ("21cm", "2cm")
        height = "21cm" if narrow else "29.7cm"
        font = self.meta["font"]
        hyphenate = ' fo:hyphenate="true" fo:hyphenation-remain-char-count="2" fo:hyphenation-push-char-count="2" fo:language="en" fo:country="GB"'
        header = f'<style:header><text:p text:style-name="Header">{inline(self.meta["header"])}</text:p></style:header>' if "header" in self.meta else ""
        footer = f'<style:footer><text:p text:style-name="Footer">{inline(self.meta["footer"])}</text:p></style:footer>' if "footer" in self.meta else ""
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls>
<style:font-face style:name="{font}" svg:font-family="'{font}'"/>
<style:font-face style:name="Symbol" svg:font-family="Symbol" style:font-charset="x-symbol"/>
</office:font-face-decls>
<office:styles>
<style:default-style style:family="paragraph"><style:paragraph-properties fo:margin-bottom="0.2cm"/><style:text-properties style:font-name="{font}" fo:font-size="11pt" fo:language="en" fo:country="GB"/></style:default-style>
<style:style style:name="Standard" style:family="paragraph"/>
<style:style style:name="Body" style:display-name="Text Body" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:margin-bottom="0.25cm"/><style:text-properties{hyphenate}/></style:style>
<style:style style:name="ListBody" style:display-name="List Paragraph" style:family="paragraph" style:parent-style-name="Body"><style:paragraph-properties fo:margin-bottom="0.1cm"/></style:style>
<style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.4cm"/><style:text-properties fo:font-size="20pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Standard" style:default-outline-level="1"><style:paragraph-properties fo:margin-top="0.4cm"/><style:text-properties fo:font-size="15pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Standard" style:default-outline-level="2"><style:paragraph-properties fo:margin-top="0.3cm"/><style:text-properties fo:font-size="12.5pt" fo:font-weight="bold"/></style:style>
<style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties><style:tab-stops><style:tab-stop style:position="16.9cm" style:type="right"/></style:tab-stops></style:paragraph-properties><style:text-properties fo:font-size="9pt"/></style:style>
<style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties fo:text-align="center"/><style:text-properties fo:font-size="9pt"/></style:style>
<style:style style:name="Toc" style:family="paragraph" style:parent-style-name="Standard"><style:paragraph-properties><style:tab-stops><style:tab-stop style:position="16.9cm" style:type="right" style:leader-style="dotted" style:leader-text="."/></style:tab-stops></style:paragraph-properties></style:style>
</office:styles>
<office:automatic-styles>
<style:style style:name="Bold" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="Italic" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
<style:style style:name="BodyBreak" style:family="paragraph" style:parent-style-name="Body"><style:paragraph-properties fo:break-before="page"/></style:style>
<style:style style:name="ListBreak" style:family="paragraph" style:parent-style-name="ListBody"><style:paragraph-properties fo:break-before="page"/></style:style>
<style:style style:name="H1Break" style:family="paragraph" style:parent-style-name="Heading_20_1"><style:paragraph-properties fo:break-before="page"/></style:style>
<style:style style:name="Tbl" style:family="table"><style:table-properties style:width="17cm" table:align="left"/></style:style>
<style:style style:name="Cell" style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000"/></style:style>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="{width}" fo:page-height="{height}" fo:margin-top="1.2cm" fo:margin-bottom="1.2cm" fo:margin-left="{margin}" fo:margin-right="{margin}"/><style:header-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-bottom="0.4cm"/></style:header-style><style:footer-style><style:header-footer-properties fo:min-height="0.6cm" fo:margin-top="0.4cm"/></style:footer-style></style:page-layout>
{''.join(self.list_styles)}
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">{header}{footer}</style:master-page></office:master-styles>
<office:body><office:text>
{chr(10).join(self.body)}
</office:text></office:body>
</office:document>
"""


def soffice(src, fmt, outdir):
    subprocess.run(
        ["soffice", "--headless", "--norestore", "--convert-to", fmt, "--outdir", str(outdir), str(src)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def make(src_path):
    name = src_path.stem
    doc = Doc(name, src_path.read_text(encoding="utf-8").splitlines())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fodt = tmp / f"{name}.fodt"
        fodt.write_text(doc.fodt(), encoding="utf-8")
        soffice(fodt, "pdf:writer_pdf_Export", tmp)
        wanted = doc.meta["formats"]
        if "docx" in wanted:
            soffice(fodt, "docx:MS Word 2007 XML", tmp)
        if "odt" in wanted:
            soffice(fodt, "odt", tmp)
        pasted = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(tmp / f"{name}.pdf"), "-"],
                                check=True, capture_output=True, text=True).stdout
        # A copy out of a viewer has no form feeds between pages, just line breaks.
        pasted = pasted.replace("\f", "\n")
        for fmt in wanted:
            if fmt == "paste":
                (CORPUS / f"{name}.paste.txt").write_text(pasted, encoding="utf-8")
            else:
                shutil.copy(tmp / f"{name}.{fmt}", CORPUS / f"{name}.{fmt}")
        if "lost-bullets" in doc.flags:
            glyphs = "".join(re.escape(g) for g in doc.meta["bullets"])
            lost = re.sub(rf"^[{glyphs}]\s*", " ", pasted, flags=re.M)
            (CORPUS / f"{name}.lost.txt").write_text(lost, encoding="utf-8")
        print(f"{name}: {', '.join(wanted)}")


def make_html(src_path):
    """Chromium's print to PDF, with the browser's own header (date, title)
    and footer (address, page 1/N) as a school printing a web page gets."""
    name = src_path.stem
    with tempfile.TemporaryDirectory() as tmp:
        # A neutral path, since the footer prints it.
        page = Path(tmp) / "Parent-Helper-Agreement.html"
        shutil.copy(src_path, page)
        pdf = CORPUS / f"{name}.pdf"
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--print-to-pdf={pdf}", str(page)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pasted = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                            check=True, capture_output=True, text=True).stdout
    (CORPUS / f"{name}.paste.txt").write_text(pasted.replace("\f", "\n"), encoding="utf-8")
    print(f"{name}: pdf, paste (chromium)")


def make_scanned():
    """A one-page PDF that is only a picture, as a scanner makes: no text layer."""
    width, height = 200, 280
    rows = []
    for y in range(height):
        # Grey bars where lines of text would be.
        ink = 40 if (y // 6) % 3 == 1 and 20 < y < height - 20 else 235
        rows.append(bytes([ink if 20 < x < width - 20 else 235 for x in range(width)]))
    import zlib
    image = zlib.compress(b"".join(rows))
    content = b"q 595 0 0 842 0 0 cm /Scan Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Scan 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(image)) + image + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    (CORPUS / "scanned-no-text.pdf").write_bytes(bytes(out))
    print("scanned-no-text: pdf")


def make_forty_pages():
    """The benchmark's 40-page agreement: the wrapped-bullets source, repeated."""
    lines = (HERE / "pdf-bullets-wrapped.src").read_text(encoding="utf-8").splitlines()
    head = [line for line in lines if line.startswith("@") and not line.startswith("@formats")]
    body = [line for line in lines if not line.startswith(("@", "= "))]
    markup = head + ["= Staff Handbook: Acceptable Use"]
    for part in range(1, 33):
        markup += [f"# Part {part}"] + [line.replace("# ", "## ", 1) if line.startswith("# ") else line for line in body]
    doc = Doc("forty-pages", markup)
    bench = HERE.parent.parent.parent / "benches" / "fixtures"
    bench.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fodt = Path(tmp) / "forty-pages.fodt"
        fodt.write_text(doc.fodt(), encoding="utf-8")
        soffice(fodt, "pdf:writer_pdf_Export", tmp)
        shutil.copy(Path(tmp) / "forty-pages.pdf", bench / "forty-pages.pdf")
    pages = subprocess.run(["pdfinfo", str(bench / "forty-pages.pdf")], capture_output=True, text=True).stdout
    print("forty-pages:", [line for line in pages.splitlines() if line.startswith("Pages")])


def main():
    names = sys.argv[1:]
    for src in sorted(HERE.glob("*.src")):
        if not names or src.stem in names:
            make(src)
    for src in sorted(HERE.glob("*.html")):
        if not names or src.stem in names:
            make_html(src)
    if not names or "scanned-no-text" in names:
        make_scanned()
    if not names or "forty-pages" in names:
        make_forty_pages()


if __name__ == "__main__":
    main()
