"""Screenshots resized for a model that expects a bounded image, with the scale to map its coordinates back.

Pillow is imported lazily. A screenshot already inside the box is sent unchanged (factor 1).
"""

from __future__ import annotations

import io

from mimetic.actors.providers.base import Scale


def fit_png(png: bytes, max_width: int, max_height: int) -> tuple[bytes, Scale]:
    """`png` scaled down (aspect kept) to fit max_width x max_height, and the factor used."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
        factor = min(1.0, max_width / width, max_height / height)
        if factor >= 1.0:
            return png, Scale(1.0)
        size = (max(1, round(width * factor)), max(1, round(height * factor)))
        resized = image.convert("RGB").resize(size, Image.LANCZOS)
        out = io.BytesIO()
        resized.save(out, format="PNG", optimize=False)
    # The exact factor per axis differs by rounding; the width's is used for both (aspect is kept).
    return out.getvalue(), Scale(size[0] / width)
