"""ULIDs: 48-bit millisecond timestamp + 80 random bits, Crockford base32.

Sorting ULIDs as strings sorts them by creation time, which is what lets the
table list a caller's sessions newest first with a plain descending query.
"""

import re
import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 26 characters; the first is at most 7 so the value fits in 128 bits.
_ULID_PATTERN = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
ULID_REGEX = _ULID_PATTERN.pattern


def new_ulid(now_ms: int | None = None) -> str:
    timestamp = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = (timestamp << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
