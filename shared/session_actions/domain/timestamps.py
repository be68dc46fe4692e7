"""The API's one timestamp format: RFC 3339 in, UTC with milliseconds and ``Z`` out.

Plain standard library, so a route that reads a timestamp from its query needs no models.
"""

import re
from datetime import UTC, datetime

# An RFC 3339 date-time with an offset, as a client may send it; ASCII digits only.
TIMESTAMP_REGEX = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_RFC3339 = re.compile(TIMESTAMP_REGEX)
# How the API writes every timestamp: UTC, milliseconds, Z.
UTC_TIMESTAMP_REGEX = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"


def format_timestamp(moment: datetime) -> str:
    """UTC, millisecond precision, ending in Z."""
    utc = moment.astimezone(UTC)
    # Not strftime: its %Y does not pad years before 1000 to four digits on every platform.
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def now() -> str:
    return format_timestamp(datetime.now(UTC))


def normalise_timestamp(value: str) -> str:
    """A client's RFC 3339 date-time in the API's format; ValueError saying what is wrong."""
    match = _RFC3339.fullmatch(value)
    if not match:
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2030-01-31T09:00:00Z")
    fraction = (match.group(7) or "0")[:6]
    offset = match.group(8).upper()
    text = "{}-{}-{}T{}:{}:{}.{}{}".format(*match.groups()[:6], fraction, offset)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not a valid date-time") from None
    try:
        return format_timestamp(moment)
    except OverflowError:
        # 9999-12-31T23:00:00-02:00 is a valid date-time whose UTC year has five digits.
        raise ValueError("must fall between the years 0001 and 9999 in UTC") from None
