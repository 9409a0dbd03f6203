"""Pillow is the optional ``images`` extra: one place imports it and says how to get it."""

from __future__ import annotations

from types import ModuleType

from foldcheck.errors import InputError


def require_pil(what: str) -> ModuleType:
    """``PIL.Image``, or a one-line InputError naming the feature that needs it."""
    try:
        from PIL import Image
    except ImportError:
        raise InputError(f"{what} needs Pillow: pip install Pillow") from None
    return Image
