"""Scans of signed decisions: PDF or image, recognised by their content (never by the file name), size-limited."""

from django.core.exceptions import ValidationError

from core.text import nfc

SCAN_MAX_BYTES = 10 * 1024 * 1024
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}


def _detect(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def scan_check(upload) -> tuple[str, str]:
    """(content type, original file name) of an uploaded scan; ValidationError with a Vietnamese message when
    it is too big or is not a PDF, JPG or PNG file."""
    name = nfc(getattr(upload, "name", "")) or "ban-chup"
    if upload.size > SCAN_MAX_BYTES:
        raise ValidationError(
            f"Tệp «{name}» nặng {upload.size / 1024 / 1024:.1f} MB; bản chụp quyết định tối đa "
            f"{SCAN_MAX_BYTES // 1024 // 1024} MB. Hãy chụp hoặc quét với độ phân giải thấp hơn."
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = _detect(head)
    if content_type is None:
        raise ValidationError(
            f"Tệp «{name}» không phải là tệp PDF hoặc ảnh (JPG, PNG). Hãy quét hoặc chụp quyết định thành tệp PDF "
            "hoặc ảnh rồi tải lên lại."
        )
    if content_type != PDF:
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(upload) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(f"Tệp ảnh «{name}» bị hỏng hoặc không đọc được; hãy chụp lại.") from None
        finally:
            upload.seek(0)
    return content_type, name[:255]
