"""Who is visiting: the id the app's per-visitor limits count by (Streamlit has no visitor identity).

**Definition.** A visitor is a browser. Streamlit's server gives every browser a cookie for its XSRF
protection (``_streamlit_xsrf``; on by default, ``server.enableXsrfProtection``) that holds a random
16-byte token. All tabs of the browser send it (``st.context.cookies``), and the token stays the same
until the browser drops the cookie (the server re-masks the cookie's text on every response, so
:func:`cookie_token` unmasks it). The visitor id is ``"b-"`` and the first 16 hex digits of the token's
SHA-256. Without the cookie (XSRF protection switched off, ``AppTest``) the visitor is the browser tab:
``"t-"`` and a random id kept in ``st.session_state``, so the limits fall back to one per tab.

The id is for fairness limits (runs training at once), not a credential: controlling a run needs its
owner key (``dashboard/components/session_models.py``). Someone who clears cookies gets a new id, as
someone with a second browser does; no cookie-less scheme tells two people behind one address apart
(a classroom shares one), so the address is not used.
"""

from __future__ import annotations

import hashlib
import uuid

import streamlit as st

__all__ = ["COOKIE", "cookie_token", "visitor_id"]

#: The cookie Streamlit's server sets on every browser (XSRF protection).
COOKIE = "_streamlit_xsrf"
_TAB_KEY = "visitor._tab_id"


def cookie_token(value: str) -> str:
    """The token inside an XSRF cookie ``2|<mask>|<masked token>|<time>`` (the token XOR the repeated mask);
    any other text is returned as it is.

    >>> cookie_token("2|01020304|0b0b0f0f|1700000000")  # masked with 01020304
    '0a090c0b'
    >>> cookie_token("2|00000000|0a090c0b|1700000000")  # the same token, another mask
    '0a090c0b'
    >>> cookie_token("plain")
    'plain'
    """
    parts = value.strip("\"'").split("|")
    if len(parts) == 4 and parts[0] == "2":
        try:
            mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
        except ValueError:
            return value
        if mask:
            return bytes(b ^ mask[i % len(mask)] for i, b in enumerate(masked)).hex()
    return value


def _browser_cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no browser behind this run (bare mode)
        return None
    return value if isinstance(value, str) and value else None  # (AppTest's stand-in client gives a mock)


def visitor_id() -> str:
    """This visitor's id: per browser when it sends Streamlit's cookie, else per tab (see the module)."""
    cookie = _browser_cookie()
    if cookie:
        return "b-" + hashlib.sha256(cookie_token(cookie).encode()).hexdigest()[:16]
    return st.session_state.setdefault(_TAB_KEY, "t-" + uuid.uuid4().hex[:16])
