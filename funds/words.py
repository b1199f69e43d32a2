"""Amounts in Vietnamese words, as a voucher writes them: 1500000 → "Một triệu năm trăm nghìn đồng".

The reading rules: "mười" for ten, "mươi" for the other tens; "mốt" for a one after "mươi"; "tư" for a four after
"mươi"; "lăm" for a five after a ten; "linh" when the tens are zero; "không trăm" in a group of three after a
higher group; empty groups left out; thousands of "tỷ" go on as "nghìn tỷ", "triệu tỷ", "tỷ tỷ".
"""

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
GROUPS = ["", "nghìn", "triệu"]  # within a "tỷ": units, thousands, millions


def _three(number: int, *, full: bool) -> list[str]:
    """Words for 0–999; `full` reads the hundreds even when zero ("không trăm") because a higher group precedes."""
    hundreds, rest = divmod(number, 100)
    tens, ones = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if ones:
            if words:
                words.append("linh")
            words.append(DIGITS[ones])
        return words
    if tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if ones == 1 and tens > 1:
        words.append("mốt")
    elif ones == 4 and tens > 1:
        words.append("tư")
    elif ones == 5:
        words.append("lăm")
    elif ones:
        words.append(DIGITS[ones])
    return words


def _below_billion(number: int, *, full: bool) -> list[str]:
    groups = []
    while number:
        number, group = divmod(number, 1000)
        groups.append(group)
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if not group:
            continue
        words += _three(group, full=full or bool(words))
        if GROUPS[index]:
            words.append(GROUPS[index])
    return words


def number_words(number: int) -> str:
    """An integer in lower-case Vietnamese words: 2024 → "hai nghìn không trăm hai mươi tư"."""
    number = int(number)
    if number == 0:
        return "không"
    if number < 0:
        return "âm " + number_words(-number)
    billions, rest = divmod(number, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += number_words(billions).split() + ["tỷ"]
    if rest:
        words += _below_billion(rest, full=bool(billions))
    return " ".join(words)


def amount_words(amount: int) -> str:
    """An amount of money as written on a voucher: 1500000 → "Một triệu năm trăm nghìn đồng"."""
    text = number_words(amount) + " đồng"
    return text[:1].upper() + text[1:]
