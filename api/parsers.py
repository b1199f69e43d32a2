"""The API's edge for text (issue 15, item 3): JSON bodies lose their C0/C1 control characters, as form posts do
in `chapters.middleware.ControlCharactersMiddleware` and spreadsheet cells in the import pipeline."""

from rest_framework.parsers import JSONParser

from core.text import strip_controls


def without_controls(value):
    """`value` (parsed JSON) with control characters taken out of every string, keys included; tab and line
    breaks stay."""
    if isinstance(value, str):
        return strip_controls(value)
    if isinstance(value, dict):
        return {without_controls(key): without_controls(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_controls(item) for item in value]
    return value


class CleanJSONParser(JSONParser):
    """JSONParser whose result holds no control characters (every text field written through the API)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return without_controls(super().parse(stream, media_type, parser_context))
