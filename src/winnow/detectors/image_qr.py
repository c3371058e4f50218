"""``image.qr``: QR codes and barcodes read with zxing-cpp, their payloads scored as ads and spam.

Each decoded payload is classified (:func:`payload_kind`: a link, a contact card, a payment or
messaging deep link, wifi credentials, plain text) and searched with
:func:`winnow.text.contact.find_contacts`. The kinds found are combined like ``text.rules`` does
(``1 - prod(1 - weight)``), so a QR code holding a link (0.5 for the QR link + 0.35 for the URL
= 0.68) reaches the default ``advertising`` review threshold, a wifi code (0.1) does not.
Evidence: the code's box in source-image coordinates, the payload, the format and kinds.

By default only QR codes (QR, Micro QR, rMQR) are read, upright or rotated, dark on light:
about 2 ms a 1-MP image. Options (``detector_options["image.qr"]``): ``all_formats`` (also
1-D barcodes, DataMatrix, Aztec, PDF417; retail EAN/UPC codes score nothing unless their
payload holds contact details) and ``try_harder`` (also inverted codes and rotated 1-D
barcodes); both together cost 15-35 ms an image.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np

from winnow.detectors.base import Detector
from winnow.detectors.scoring import noisy_or
from winnow.detectors.text_rules import ADVERTISING_WEIGHTS, SPAM_WEIGHTS
from winnow.errors import DetectorError
from winnow.settings import Settings
from winnow.text.contact import find_contacts
from winnow.types import DetectorResult, Evidence, ImageItem, Item, Locator, MediaType, Signal

__all__ = ["QR_ADVERTISING_WEIGHTS", "QR_SPAM_WEIGHTS", "QrCodes", "payload_kind"]

QR_ADVERTISING_WEIGHTS: dict[str, float] = {
    "qr_link": 0.5,
    "qr_contact_card": 0.7,
    "qr_payment": 0.7,
    "qr_messaging": 0.7,
    "qr_wifi": 0.1,
}
QR_SPAM_WEIGHTS: dict[str, float] = {"qr_payment": 0.4, "qr_messaging": 0.2}

_PAYMENT = re.compile(
    r"^(?:bitcoin|ethereum|litecoin|monero|upi|wxp|alipays?|paypal|venmo|cashapp|bank|bcd):"
    r"|^https?://(?:qr\.alipay\.com|(?:www\.)?paypal\.me|cash\.app|venmo\.com|wise\.com/pay|"
    r"payment\.|pay\.|buy\.stripe\.com)",
    re.IGNORECASE,
)
_MESSAGING = re.compile(
    r"^(?:weixin|whatsapp|tg|line|viber|skype|sms|smsto|mms|tel|mailto|matmsg):"
    r"|^https?://(?:wa\.me|t\.me|u\.wechat\.com|line\.me|(?:www\.)?instagram\.com|discord\.gg)/",
    re.IGNORECASE,
)


def payload_kind(payload: str) -> str:
    """What a code holds: ``qr_payment``, ``qr_messaging``, ``qr_contact_card``, ``qr_wifi``,
    ``qr_link`` or ``qr_text``."""
    text = payload.strip()
    upper = text[:16].upper()
    if _PAYMENT.search(text):
        return "qr_payment"
    if _MESSAGING.search(text):
        return "qr_messaging"
    if upper.startswith(("BEGIN:VCARD", "MECARD:", "BIZCARD:")):
        return "qr_contact_card"
    if upper.startswith("WIFI:"):
        return "qr_wifi"
    if re.match(r"^(?:https?://|www\.)\S+$", text, re.IGNORECASE):
        return "qr_link"
    return "qr_text"


class QrCodes(Detector):
    name: ClassVar[str] = "image.qr"
    version: ClassVar[str] = "1"
    media_types: ClassVar[frozenset[MediaType]] = frozenset({MediaType.IMAGE})
    labels: ClassVar[tuple[str, ...]] = ("advertising", "spam")
    description: ClassVar[str] = (
        "QR codes and barcodes (zxing-cpp): links, contact cards, payment and messaging links."
    )

    def __init__(self, try_harder: bool = False, all_formats: bool = False) -> None:
        self.try_harder, self.all_formats = try_harder, all_formats
        try:
            import zxingcpp
        except ImportError as exc:
            raise DetectorError(
                f"zxing-cpp cannot be imported ({exc}); pip install zxing-cpp==3.1.1"
            ) from None
        self._zxing: Any = zxingcpp

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        options = settings.detector_options.get(cls.name, {})
        return cls(
            try_harder=bool(options.get("try_harder", False)),
            all_formats=bool(options.get("all_formats", False)),
        )

    def detect_batch(self, items: Sequence[Item]) -> list[DetectorResult]:
        self.check_media(items)
        return [self._detect(item) for item in items if isinstance(item, ImageItem)]

    def read(self, item: ImageItem) -> list[tuple[str, str, tuple[int, int, int, int]]]:
        """Every code in the image: (format, payload, box in source coordinates)."""
        gray = np.ascontiguousarray(
            (item.pixels.astype(np.uint16) @ np.array([77, 150, 29], np.uint16)) >> 8,
            dtype=np.uint8,
        )
        z, flag = self._zxing, self.try_harder
        formats = (z.BarcodeFormat.QRCode, z.BarcodeFormat.MicroQRCode, z.BarcodeFormat.RMQRCode)
        codes = z.read_barcodes(
            gray,
            **({} if self.all_formats else {"formats": formats}),
            try_rotate=flag,
            try_invert=flag,
        )
        sx = (item.source_size or (item.width, item.height))[0] / item.width
        sy = (item.source_size or (item.width, item.height))[1] / item.height
        found = []
        for code in codes:
            pos = code.position
            xs = [p.x for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
            ys = [p.y for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]
            box = (int(min(xs) * sx), int(min(ys) * sy), int(max(xs) * sx + 0.999),
                   int(max(ys) * sy + 0.999))  # fmt: skip
            found.append((str(code.format), str(code.text), box))
        found.sort(key=lambda f: (f[2], f[1]))
        return found

    def _detect(self, item: ImageItem) -> DetectorResult:
        ads: list[tuple[float, Evidence]] = []
        spams: list[tuple[float, Evidence]] = []
        for fmt, payload, box in self.read(item):
            kind = payload_kind(payload)
            contacts = {f.kind for f in find_contacts(payload)}
            detail = f"{fmt} {kind.removeprefix('qr_')}" + (
                f": {', '.join(sorted(contacts))}" if contacts else ""
            )
            evidence = Evidence(Locator("box", box=box), payload[:500], detail)
            ad = noisy_or({**ADVERTISING_WEIGHTS, **QR_ADVERTISING_WEIGHTS}, contacts | {kind})
            spam = noisy_or({**SPAM_WEIGHTS, **QR_SPAM_WEIGHTS}, contacts | {kind})
            if ad > 0:
                ads.append((ad, evidence))
            if spam > 0:
                spams.append((spam, evidence))
        signals = [
            Signal(category, max(s for s, _ in found), tuple(e for _, e in found))
            for category, found in (("advertising", ads), ("spam", spams))
            if found
        ]
        return self.result(signals)
