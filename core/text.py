"""Vietnamese text: normalisation, accent-free search keys and the Vietnamese sort order (design.md §7)."""

import re
import unicodedata

# Letters in Vietnamese alphabetical order; "đ" sorts after "d", vowels with a modifier after their base.
ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: index for index, letter in enumerate(ALPHABET)}
# Tone marks, in the order dictionaries use: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_MODIFIERS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)


# C0 and C1 control characters but tab, line feed and carriage return: nothing a person types means them, a
# spreadsheet refuses them and a terminal obeys them (\x1b[...). NUL is refused by PostgreSQL outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def strip_controls(value: str) -> str:
    """The text without C0/C1 control characters (tab and line breaks kept)."""
    return CONTROL_CHARACTERS.sub("", value) if isinstance(value, str) else value


def nfc(value: str | None) -> str:
    """NFC with collapsed white space and no control characters: what every stored text goes through."""
    if not value:
        return ""
    return " ".join(strip_controls(unicodedata.normalize("NFC", str(value))).split())


def fold(value: str | None) -> str:
    """Accent-free lower-case key: "Nguyễn Văn Đức" → "nguyen van duc" ("đ" is not a combining mark)."""
    text = unicodedata.normalize("NFD", nfc(value).lower()).replace("đ", "d")
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _collation_key(word: str) -> tuple[str, str]:
    """Primary key (letters with their modifiers) and secondary key (tones) of one word."""
    primary, tones = [], []
    for base in unicodedata.normalize("NFD", word.lower()):
        if base in _MODIFIERS and primary:
            # Re-rank the previous letter as its modified form: a+breve → ă.
            previous = primary.pop()
            composed = unicodedata.normalize("NFC", previous[1] + base)
            primary.append((_LETTER_RANK.get(composed, 99), composed))
        elif base in _TONES:
            tones.append(str(_TONES[base]))
        elif not unicodedata.combining(base):
            primary.append((_LETTER_RANK.get(base, 60 + ord(base) % 40), base))
    return "".join(f"{rank:02d}" for rank, _ in primary), "".join(tones) or "0"


def sort_key(value: str | None) -> str:
    """A binary-sortable key: given name first, then the middle names, then the family name.

    "Nguyễn Văn Đức" sorts under "Đức", after every "Dũng", and before "Hà".
    """
    words = nfc(value).split()
    if not words:
        return ""
    ordered = [words[-1], *words[1:-1], words[0]] if len(words) > 1 else words
    # Word by word: letters first, the tone breaks a tie within the word ("Dung" before "Dũng"); "." sorts
    # below every letter code and " " below ".", so a shorter word comes before a longer one.
    return " ".join(".".join(_collation_key(word)) for word in ordered)


def unit_sort_key(value: str | None) -> str:
    """Sort key for unit names: word by word in reading order, numbers in their numeric order."""
    parts = []
    for word in nfc(value).split():
        if word.isdigit():
            parts.append(f"~{int(word):08d}")
        else:
            parts.append(_collation_key(word)[0])
    return " ".join(parts)


def person_name(user) -> str:
    """A user's name the Vietnamese way: family and middle names (last_name) before the given name."""
    if user is None:
        return ""
    full = nfc(f"{user.last_name} {user.first_name}")
    return full or user.get_username()
