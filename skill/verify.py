"""Alexa request verification (docs/ARCHITECTURE.md, 'Request verification'): every
request passes through here.

Amazon's rules ("Host a Custom Skill as a Web Service", section "Verify that the request
was sent by Alexa"): the ``SignatureCertChainUrl`` header is an https URL on
``s3.amazonaws.com`` (port 443 or none) whose normalised path starts with ``/echo.api/``;
the PEM chain there is valid now, chains to a trusted root and its leaf's SAN has
``echo-api.amazon.com``; ``Signature-256`` is a base64 RSA PKCS#1 v1.5 SHA-256 signature
of the exact body bytes; the request timestamp is within 150 s of now; and the
application id is ours when ``ALEXA_SKILL_ID`` is set.

Each certificate URL is downloaded and validated once, then its key is cached (an LRU
keyed by the normalised URL) until the first certificate of the validated path expires,
so a warm request costs one RSA verify.  Path validation is ``cryptography``'s
``ServerVerifier`` for the DNS name ``echo-api.amazon.com``: Amazon's signing
certificate is a public TLS server certificate (EKU serverAuth only, issued by Amazon
RSA 2048 M01 under Amazon Root CA 1 in 2026), so the WebPKI server policy fits it;
the client policy would demand clientAuth and refuse it.
"""

from __future__ import annotations

import base64
import logging
import re
import ssl
import threading
import time
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import certifi
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509 import verification

log = logging.getLogger(__name__)

MAX_REQUEST_AGE_SECONDS = 150
CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
CERT_HOST = "s3.amazonaws.com"
CERT_PATH_PREFIX = "echo.api"
SIGNING_NAME = "echo-api.amazon.com"
CACHE_ENTRIES = 64
DOWNLOAD_TIMEOUT_SECONDS = 2.0
MAX_CERT_BYTES = 64 * 1024
MAX_SIGNATURE_CHARS = 1024  # base64 of a 4096-bit signature is 684
SYSTEM_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")

# Path segments may hold only RFC 3986 unreserved characters: no "%" (so no %2e%2e or
# %2F tricks), no "\", no ";" and no empty segments.  Amazon's URLs need nothing else.
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)

CertLoader = Callable[[str], bytes]
Clock = Callable[[], datetime]
TrustRoot = x509.Certificate | bytes | str


class VerificationError(Exception):
    """A request that must be refused with 400.  The message names the rule, never content."""


class Verifier(Protocol):
    def verify(self, headers: Mapping[str, str], body: bytes, payload: Mapping[str, Any]) -> None:
        """Raise :class:`VerificationError` unless the request may be handled."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def check_timestamp(payload: Mapping[str, Any], now: datetime | None = None) -> None:
    request = payload.get("request")
    stamp = request.get("timestamp") if isinstance(request, Mapping) else None
    if not isinstance(stamp, str):
        raise VerificationError("timestamp: missing")
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise VerificationError("timestamp: unreadable") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    age = abs(((now or utc_now()) - when).total_seconds())
    if age > MAX_REQUEST_AGE_SECONDS:
        raise VerificationError("timestamp: more than 150 seconds from now")


def application_id(payload: Mapping[str, Any]) -> str | None:
    for path in (("context", "System", "application"), ("session", "application")):
        node: Any = payload
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and isinstance(node.get("applicationId"), str):
            return node["applicationId"]
    return None


def check_skill_id(payload: Mapping[str, Any], skill_id: str | None) -> None:
    if skill_id is not None and application_id(payload) != skill_id:
        raise VerificationError("application id: does not match ALEXA_SKILL_ID")


def normalise_cert_url(url: str) -> str:
    """The canonical ``https://s3.amazonaws.com/echo.api/...`` form of a certificate URL,
    or :class:`VerificationError` if Amazon would not use it.  Scheme and host are
    case-insensitive, the path is case-sensitive; dot segments are resolved and may not
    climb above the root."""
    if not url.isascii() or not url.isprintable() or " " in url or "?" in url or "#" in url:
        raise VerificationError("certificate URL: unexpected characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise VerificationError("certificate URL: unreadable") from None
    if parts.scheme != "https":
        raise VerificationError("certificate URL: not https")
    if "@" in parts.netloc or parts.hostname != CERT_HOST:
        raise VerificationError("certificate URL: wrong host")
    if port not in (None, 443):
        raise VerificationError("certificate URL: port is not 443")
    segments: list[str] = []
    for segment in parts.path.split("/")[1:]:
        if segment == "..":
            if not segments:
                raise VerificationError("certificate URL: path climbs above the root")
            segments.pop()
        elif segment != ".":
            if not _SEGMENT.fullmatch(segment):
                raise VerificationError("certificate URL: unexpected characters in the path")
            segments.append(segment)
    if len(segments) < 2 or segments[0] != CERT_PATH_PREFIX:
        raise VerificationError("certificate URL: path is not under /echo.api/")
    return f"https://{CERT_HOST}/" + "/".join(segments)


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by case-insensitive name (Flask's headers already are; plain dicts not)."""
    value = headers.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == wanted), None)
    return value


def decode_signature(value: str) -> bytes:
    if len(value) > MAX_SIGNATURE_CHARS:
        raise VerificationError("signature: too long")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise VerificationError("signature: not base64") from None


def load_roots(roots: Iterable[TrustRoot] | None = None) -> list[x509.Certificate]:
    """Trust anchors: the given certificates/PEM bundles, or certifi's bundle plus the
    system bundle.  A bundle entry ``cryptography`` cannot read is skipped, not fatal."""
    if roots is None:
        bundles = [SYSTEM_CA_BUNDLE] if SYSTEM_CA_BUNDLE.is_file() else []
        roots = [Path(certifi.where()).read_bytes(), *(path.read_bytes() for path in bundles)]
    certificates: list[x509.Certificate] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        for root in roots:
            if isinstance(root, x509.Certificate):
                certificates.append(root)
                continue
            pem = root.encode("ascii") if isinstance(root, str) else root
            for block in _PEM_BLOCK.findall(pem):
                try:
                    certificates.append(x509.load_pem_x509_certificate(block))
                except ValueError:
                    continue
    if not certificates:
        raise ValueError("no trust roots for Alexa request verification")
    return list(dict.fromkeys(certificates))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx becomes an HTTPError: fetch exactly the URL that was checked


def _opener() -> urllib.request.OpenerDirector:
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=certifi.where())
    return urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))


def download_pem(
    url: str, *, timeout: float = DOWNLOAD_TIMEOUT_SECONDS, limit: int = MAX_CERT_BYTES
) -> bytes:
    """GET ``url`` with urllib: no redirects, ``timeout`` for the whole download, and at
    most ``limit + 1`` bytes read (so the caller can tell an oversized answer)."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    with _opener().open(url, timeout=timeout) as response:
        while size <= limit:
            if time.monotonic() > deadline:
                raise TimeoutError("certificate download took too long")
            chunk = response.read(min(16384, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    return b"".join(chunks)


def _dns_names(cert: x509.Certificate) -> set[str]:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {name.lower() for name in names.get_values_for_type(x509.DNSName)}


@dataclass(frozen=True)
class SigningKey:
    key: rsa.RSAPublicKey
    expires: datetime


class AlexaVerifier:
    """Every rule of docs/ARCHITECTURE.md, 'Request verification'; certificate chains
    validated once per URL and cached."""

    def __init__(
        self,
        skill_id: str | None,
        *,
        cert_loader: CertLoader | None = None,
        trust_roots: Iterable[TrustRoot] | None = None,
        now: Clock = utc_now,
        cache_entries: int = CACHE_ENTRIES,
    ) -> None:
        self.skill_id = skill_id
        self._load = cert_loader or download_pem
        self._store = verification.Store(load_roots(trust_roots))
        self._now = now
        self._cache: OrderedDict[str, SigningKey] = OrderedDict()
        self._cache_entries = cache_entries
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes, payload: Mapping[str, Any]) -> None:
        try:
            self._verify(headers, body, payload)
        except VerificationError:
            raise
        except Exception as error:  # whatever the input, a 400 and never a 500
            raise VerificationError(f"verification: unexpected {type(error).__name__}") from None

    def _verify(self, headers: Mapping[str, str], body: bytes, payload: Mapping[str, Any]) -> None:
        url = header(headers, CERT_URL_HEADER)
        if not url:
            raise VerificationError("certificate URL: SignatureCertChainUrl header missing")
        encoded = header(headers, SIGNATURE_HEADER)
        if not encoded:
            raise VerificationError("signature: Signature-256 header missing")
        canonical = normalise_cert_url(url)
        now = self._now()
        check_timestamp(payload, now)
        check_skill_id(payload, self.skill_id)
        signature = decode_signature(encoded)
        key = self.signing_key(canonical, now)
        try:
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise VerificationError("signature: does not match the body") from None

    def signing_key(self, url: str, now: datetime) -> rsa.RSAPublicKey:
        """The validated key for a normalised URL: from the cache, or downloaded now."""
        with self._lock:
            entry = self._cache.get(url)
            if entry is not None and now <= entry.expires:
                self._cache.move_to_end(url)
                return entry.key
        entry = self._fetch(url, now)
        with self._lock:
            self._cache[url] = entry
            self._cache.move_to_end(url)
            while len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)
        log.info("Alexa signing certificate validated; cached until %s", entry.expires)
        return entry.key

    def _fetch(self, url: str, now: datetime) -> SigningKey:
        try:
            pem = self._load(url)
        except Exception as error:
            raise VerificationError(
                f"certificate: download failed ({type(error).__name__})"
            ) from None
        if len(pem) > MAX_CERT_BYTES:
            raise VerificationError("certificate: larger than 64 KiB")
        try:
            leaf, *intermediates = x509.load_pem_x509_certificates(pem)
            dns_names = _dns_names(leaf)
        except ValueError:
            raise VerificationError("certificate: not a readable PEM chain") from None
        if now < leaf.not_valid_before_utc:
            raise VerificationError("certificate: not valid yet")
        if now > leaf.not_valid_after_utc:
            raise VerificationError("certificate: expired")
        if SIGNING_NAME not in dns_names:  # exactly the name: no wildcard stands in for it
            raise VerificationError("certificate: echo-api.amazon.com is not in the SAN")
        policy = verification.PolicyBuilder().store(self._store).time(now)
        try:
            chain = policy.build_server_verifier(x509.DNSName(SIGNING_NAME)).verify(
                leaf, intermediates
            )
        except verification.VerificationError:
            raise VerificationError("certificate: no valid chain to a trusted root") from None
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise VerificationError("certificate: signing key is not RSA")
        return SigningKey(key, min(cert.not_valid_after_utc for cert in chain))


class SkillIdOnly:
    """Local runs (verification off): only the skill id, when one is configured."""

    def __init__(self, skill_id: str | None) -> None:
        self.skill_id = skill_id

    def verify(self, headers: Mapping[str, str], body: bytes, payload: Mapping[str, Any]) -> None:
        check_skill_id(payload, self.skill_id)


def make_verifier(
    enabled: bool,
    skill_id: str | None,
    *,
    cert_loader: CertLoader | None = None,
    trust_roots: Iterable[TrustRoot] | None = None,
) -> Verifier:
    if not enabled:
        log.warning(
            "ALEXA REQUEST VERIFICATION IS OFF: any caller can drive this skill. "
            "Use this only for local runs."
        )
        return SkillIdOnly(skill_id)
    return AlexaVerifier(skill_id, cert_loader=cert_loader, trust_roots=trust_roots)
