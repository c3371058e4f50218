"""Turn a :class:`~winnow.types.Content` into a pipeline item, by magic bytes and within limits."""

from __future__ import annotations

from pathlib import Path

from winnow.errors import DecodeError, InputError, LimitExceededError, UnsupportedMediaError
from winnow.media.sniff import sniff
from winnow.media.text import decode_text, text_item
from winnow.settings import Limits
from winnow.types import Content, Item, MediaType

__all__ = ["load_content"]


def load_content(content: Content, limits: Limits) -> Item:
    """Decode ``content`` into a :data:`~winnow.types.Item`.

    Raises an :class:`~winnow.errors.InputError` subclass with a one-line message when the
    content is empty, unreadable, of an unsupported type, corrupt or over a limit.
    """
    if content.text is not None:
        return text_item(content.text, limits, name=_name(content))
    name = _name(content)
    if content.data is None and content.path is not None:
        streamed = _media_file(content.path, limits, name)
        if streamed is not None:
            return streamed
    data = content.data if content.data is not None else _read(content, limits)
    if not data:
        raise InputError(f"{name} is empty (0 bytes)")
    found = sniff(data)
    if found.media_type is MediaType.TEXT:
        if len(data) > 4 * limits.max_text_chars:
            raise LimitExceededError(
                f"{name} is {len(data):,} bytes of text, over the limit of "
                f"{limits.max_text_chars:,} characters"
            )
        return text_item(decode_text(data, name), limits, name=name)
    if found.media_type is MediaType.IMAGE:
        from winnow.media.image import decode_image

        return decode_image(data, found.mime, limits, name=name)
    if found.media_type in (MediaType.VIDEO, MediaType.AUDIO):
        from winnow.media.video import load_media

        return load_media(data, found.mime, limits, name, len(data))
    raise UnsupportedMediaError(
        f"{name} is {found.mime}, which winnow does not moderate; send text (UTF-8) or an image "
        "(JPEG, PNG, GIF, WebP, BMP, TIFF), a video or an audio file"
    )


def _name(content: Content) -> str:
    return content.path or content.id or "content"


def _media_file(path: str, limits: Limits, name: str) -> Item | None:
    """A video or audio file is probed from its path, never read whole; None for other files."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return None  # _read reports it
    found = sniff(head) if head else None
    if found is None or found.media_type not in (MediaType.VIDEO, MediaType.AUDIO):
        return None
    from winnow.media.video import load_media

    return load_media(path, found.mime, limits, name, Path(path).stat().st_size)


def _read(content: Content, limits: Limits) -> bytes:
    if content.path is None:
        raise InputError(f"content {content.id!r} has no text, data or path")
    path = Path(content.path)
    try:
        size = path.stat().st_size
        cap = max(limits.max_image_bytes, 4 * limits.max_text_chars)
        if size > cap:
            raise LimitExceededError(f"{path} is {size:,} bytes, over the limit of {cap:,}")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(
            f"{path} is a directory; pass files, or use `winnow scan --input DIR`"
        ) from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise DecodeError(f"cannot read {path}: {exc.strerror or exc}") from None
