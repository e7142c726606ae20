"""The join link as a QR code (segno: pure Python, no image library), as PNG bytes."""

from __future__ import annotations

import functools
import io

import segno


@functools.lru_cache(maxsize=64)  # one per room and address, drawn on every lecturer rerun
def qr_png(text: str, scale: int = 10) -> bytes:
    """PNG of a QR code for `text`, error correction level M, with the standard quiet zone."""
    code = segno.make(text, error="m", micro=False)
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
