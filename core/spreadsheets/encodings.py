"""Legacy Vietnamese text: TCVN3 (ABC) and VNI typed into old Excel files, Windows-1258 CSV files (design.md §5).

Before Unicode, Vietnamese was typed with special fonts: a cell of an old sheet holds ordinary Latin-1 characters
that only the font (".VnTime", "VNI-Times") drew as Vietnamese letters. Read as Unicode, "Nguyễn Văn Đức"
typed in TCVN3 arrives as "NguyÔn V¨n §øc" and in VNI as "Nguyeãn Vaên Ñöùc".

`fix_legacy(text)` converts such a cell to Unicode only when the text is *clearly* legacy-encoded:
  1. every character is ASCII or one the encoding uses (genuine Vietnamese Unicode almost always has a letter
     above U+00FF, such as "ư", "ơ", "ạ", which neither encoding can produce);
  2. at least one character is a strong sign of the encoding (one that Vietnamese Unicode text never uses, such
     as "¸", "µ", "ñ", "ö");
  3. every converted word that is not plain ASCII is a well-formed Vietnamese syllable (one tone mark, a vowel
     nucleus, a legal initial and final consonant).
So "Tô Hà" or "Café" stays as it is, while "Chi héi khuyÕn häc" becomes "Chi hội khuyến học".
"""

import re
import unicodedata
from collections import Counter

# Tone marks as combining characters, in the order legacy tables list them: sắc, huyền, hỏi, ngã, nặng.
ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
TONES = (ACUTE, GRAVE, HOOK, TILDE, DOT)
BREVE, CIRCUMFLEX, HORN = "\u0306", "\u0302", "\u031b"


def _compose(base: str, *marks: str) -> str:
    return unicodedata.normalize("NFC", base + "".join(marks))


# --- TCVN3 (TCVN 5712:1993, VN3, the "ABC" fonts) --------------------------------------------------------------
# One byte per letter. VN3 has lower-case toned letters only (upper-case was drawn by the ".VnTimeH" fonts from
# the same codes) and seven upper-case letters without tone.
_TCVN3_PAIRS = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ",
    0xC6: "ặ", 0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
TCVN3_TO_UNICODE: dict[str, str] = {chr(code): letter for code, letter in _TCVN3_PAIRS.items()}


# --- VNI (VNI-Windows fonts) -----------------------------------------------------------------------------------
# A base letter followed by one or two marks typed as separate Latin-1 characters; a few letters are single
# characters (ơ, ư, đ and the tones of i). Built from the system of the table rather than listed by hand.
_VNI_TONES = {ACUTE: "ù", GRAVE: "ø", HOOK: "û", TILDE: "õ", DOT: "ï"}  # on a, e, o, u, y, ơ, ư
_VNI_CIRCUMFLEX = ("â", {ACUTE: "á", GRAVE: "à", HOOK: "å", TILDE: "ã", DOT: "ä"})  # â ê ô and their tones
_VNI_BREVE = ("ê", {ACUTE: "é", GRAVE: "è", HOOK: "ú", TILDE: "ü", DOT: "ë"})  # ă and its tones
_VNI_I = {ACUTE: "í", GRAVE: "ì", HOOK: "æ", TILDE: "ó", DOT: "ò"}


def _build_vni() -> dict[str, str]:
    table: dict[str, str] = {}
    for upper in (False, True):

        def case(text: str, _upper=upper) -> str:
            return text.upper() if _upper else text

        for vowel in "aeouy":
            for tone, mark in _VNI_TONES.items():
                if not (vowel == "y" and tone == DOT):  # ỵ is the single character "î"
                    table[case(vowel + mark)] = case(_compose(vowel, tone))
        for vowel in "aeo":
            base_mark, tones = _VNI_CIRCUMFLEX
            table[case(vowel + base_mark)] = case(_compose(vowel, CIRCUMFLEX))
            for tone, mark in tones.items():
                table[case(vowel + mark)] = case(_compose(vowel, CIRCUMFLEX, tone))
        base_mark, tones = _VNI_BREVE
        table[case("a" + base_mark)] = case(_compose("a", BREVE))
        for tone, mark in tones.items():
            table[case("a" + mark)] = case(_compose("a", BREVE, tone))
        for letter, vni in (("o", "ô"), ("u", "ö")):  # ơ and ư are one character in VNI
            table[case(vni)] = case(_compose(letter, HORN))
            for tone, mark in _VNI_TONES.items():
                table[case(vni + mark)] = case(_compose(letter, HORN, tone))
        for tone, mark in _VNI_I.items():
            table[case(mark)] = case(_compose("i", tone))
        table[case("î")] = case(_compose("y", DOT))
        table[case("ñ")] = case("đ")
    return table


VNI_TO_UNICODE: dict[str, str] = _build_vni()

# Characters that never occur in Vietnamese written in Unicode but are typical of each legacy encoding.
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_TCVN3_CHARS = set(TCVN3_TO_UNICODE)
_VNI_CHARS = {ch for key in VNI_TO_UNICODE for ch in key if not ch.isascii()}
_TCVN3_STRONG = _TCVN3_CHARS - _VIETNAMESE_LATIN1
_VNI_STRONG = _VNI_CHARS - _VIETNAMESE_LATIN1

# A Vietnamese syllable without its tone: initial consonant, vowel nucleus (with its glides), final consonant.
_NUCLEI = (
    "a ă â e ê i o ô ơ u ư y "
    "ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy ưa ưi ươ ưu yê "
    "iêu oai oao oay oeo uây uôi uya uyê uyu ươi ươu yêu"
).split()
_SYLLABLE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(" + "|".join(sorted(_NUCLEI, key=len, reverse=True)) + r")"
    r"(ch|ng|nh|[cmnpt])?$"
)
_WORD = re.compile(r"[^\W\d_]+")


def _tone_count(word: str) -> int:
    return sum(1 for ch in unicodedata.normalize("NFD", word) if ch in TONES)


def _strip_tones(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONES))


def plausible_vietnamese(text: str) -> bool:
    """True when every non-ASCII word of `text` is a well-formed Vietnamese syllable."""
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        if _tone_count(word) > 1 or not _SYLLABLE.match(_strip_tones(word)):
            return False
    return True


def tcvn3_to_unicode(text: str) -> str:
    return "".join(TCVN3_TO_UNICODE.get(ch, ch) for ch in text)


def vni_to_unicode(text: str) -> str:
    """Longest match first: "oâ" is ô, "ô" alone is ơ."""
    out, index = [], 0
    while index < len(text):
        pair = text[index : index + 2]
        if len(pair) == 2 and pair in VNI_TO_UNICODE:
            out.append(VNI_TO_UNICODE[pair])
            index += 2
            continue
        out.append(VNI_TO_UNICODE.get(text[index], text[index]))
        index += 1
    return "".join(out)


def _scan(text: str, allowed: set[str], strong: set[str]) -> tuple[bool, bool]:
    """(every character is ASCII or in `allowed`, some character is in `strong`)."""
    has_strong = False
    for ch in text:
        if ch.isascii():
            continue
        if ch not in allowed:
            return False, False
        has_strong = has_strong or ch in strong
    return True, has_strong


_ENCODINGS = (
    ("TCVN3", _TCVN3_CHARS, _TCVN3_STRONG, tcvn3_to_unicode),
    ("VNI", _VNI_CHARS, _VNI_STRONG, vni_to_unicode),
)


def legacy_candidates(text: str) -> tuple[str, ...]:
    """The legacy encodings `text` reads as clearly written in (none, one, or both when it reads as Vietnamese either
    way): what `detect_legacy` decides from, with or without a file-wide preference."""
    if not text or text.isascii():
        return ()
    found = []
    for name, allowed, strong, convert in _ENCODINGS:
        only_legacy_chars, has_strong = _scan(text, allowed, strong)
        if not only_legacy_chars:
            continue
        converted = convert(text)
        if converted == text or not plausible_vietnamese(converted):
            continue
        if has_strong or not plausible_vietnamese(text):
            found.append(name)
    return tuple(found)


def detect_legacy(text: str, prefer: str | None = None, candidates: tuple[str, ...] | None = None) -> str | None:
    """ "TCVN3", "VNI" or None: which legacy encoding `text` is clearly written in.

    `prefer` is the encoding most cells of the same file were found in: it settles a cell that reads as
    Vietnamese in both encodings. A cell that also reads as Unicode ("Hoà", which is "Hồ" in VNI) is left alone.
    `candidates`: `legacy_candidates(text)` when the caller has them already.
    """
    found = legacy_candidates(text) if candidates is None else candidates
    if prefer in found:
        return prefer
    return found[0] if len(found) == 1 else None


def fix_legacy(
    text: str, prefer: str | None = None, candidates: tuple[str, ...] | None = None
) -> tuple[str, str | None]:
    """(Unicode NFC text, the encoding converted from or None). Text that is not clearly legacy is only NFC'd."""
    encoding = detect_legacy(text, prefer, candidates)
    if encoding == "TCVN3":
        text = tcvn3_to_unicode(text)
    elif encoding == "VNI":
        text = vni_to_unicode(text)
    return unicodedata.normalize("NFC", text), encoding


def dominant_encoding(texts, seen: dict[str, tuple[str, ...]] | None = None) -> str | None:
    """The legacy encoding most clearly-legacy cells of a file are in, when they agree (≥ 90%). Every cell counts;
    each distinct text is looked at once (a file repeats its fund, its purpose, its chapter on every row). `seen`,
    when given, gets each text's `legacy_candidates`, for the conversion of the cells not to look at them again."""
    seen = {} if seen is None else seen
    counts = {"TCVN3": 0, "VNI": 0}
    for text, times in Counter(texts).items():
        seen[text] = candidates = legacy_candidates(text)
        encoding = detect_legacy(text, candidates=candidates)
        if encoding:
            counts[encoding] += times
    name, best = max(counts.items(), key=lambda item: item[1])
    return name if best and best >= 0.9 * sum(counts.values()) else None


# --- Text files ------------------------------------------------------------------------------------------------


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a CSV file: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode text"), else Windows-1258.

    Returns (NFC text, the encoding's Vietnamese name for the preview).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return unicodedata.normalize("NFC", data[3:].decode("utf-8", errors="replace")), "UTF-8 (có BOM)"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return unicodedata.normalize("NFC", data.decode("utf-16", errors="replace")), "UTF-16"
    try:
        return unicodedata.normalize("NFC", data.decode("utf-8")), "UTF-8"
    except UnicodeDecodeError:
        # Windows-1258 writes most tones as combining marks after the letter: NFC composes them.
        return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace")), "Windows-1258"
