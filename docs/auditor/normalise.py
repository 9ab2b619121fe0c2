"""What Signbook makes of typed names, organisations and agreement texts
before it digests or hashes them: docs/record-format.md, sections 1 and 2.

Standard library only, written from the doc, not from Signbook's Rust code,
so recompute.py checks the golden `normalisation` vectors independently.
"""
import unicodedata

MAX_NAME_CHARS = 100

# Unicode's White_Space property (what Rust's char::is_whitespace tests).
# Spelt out because Python's str.split() also splits at U+001C to U+001F.
WHITE_SPACE = frozenset(
    [chr(c) for c in range(0x09, 0x0E)]
    + ["\u0020", "\u0085", "\u00a0", "\u1680"]
    + [chr(c) for c in range(0x2000, 0x200B)]
    + ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]
)

# Refused besides general category Cc: format, invisible and filler
# characters, variation selectors, private use and non-characters.
HIDDEN_RANGES = [
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF), (0xE000, 0xF8FF), (0xF0000, 0x10FFFF), (0xFDD0, 0xFDEF),
]


def is_letter(c):
    # The doc's rule is Unicode's Alphabetic property. The standard library
    # has no table of it; general categories L* and Nl are all of it except
    # Other_Alphabetic (combining vowel signs, circled letters), which never
    # make the difference for these vectors.
    category = unicodedata.category(c)
    return category.startswith("L") or category == "Nl"


def is_hidden(c):
    u = ord(c)
    return (unicodedata.category(c) == "Cc" or any(lo <= u <= hi for lo, hi in HIDDEN_RANGES)
            or (u & 0xFFFE) == 0xFFFE)


def normalise(text, field):
    """(normalised, None) or (None, error code)."""
    for i, c in enumerate(text):
        joiner_in_word = (c in "\u200c\u200d" and 0 < i < len(text) - 1
                          and all(is_letter(n) and ord(n) > 0x024F for n in (text[i - 1], text[i + 1])))
        if is_hidden(c) and not joiner_in_word:
            return None, f"{field}_hidden_character"
    words, word = [], ""
    for c in text:
        if c in WHITE_SPACE:
            if word:
                words.append(word)
            word = ""
        else:
            word += c
    if word:
        words.append(word)
    name = unicodedata.normalize("NFC", " ".join(words))
    if not name:
        return None, f"{field}_empty"
    if len(name) > MAX_NAME_CHARS:
        return None, f"{field}_too_long"
    if not any(is_letter(c) for c in name):
        return None, f"{field}_no_letters"
    return name, None


def normalise_name(text):
    return normalise(text, "name")


def normalise_organisation(text):
    """Absent (None, None) when not given or made only of White_Space."""
    if text is None or all(c in WHITE_SPACE for c in text):
        return None, None
    return normalise(text, "organisation")


def canonical_agreement(text):
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return unicodedata.normalize("NFC", "\n".join(lines)) + "\n" if lines else ""
