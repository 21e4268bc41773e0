"""A private PKI for measuring verification: root CA -> intermediate -> a leaf for
echo-api.amazon.com shaped like Amazon's signing certificate (EKU serverAuth, SAN DNS
name), and Alexa-style ``Signature-256`` headers.  Nothing here is trusted outside a
bench run: the root is handed to the bench's own verifier only.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from skill.verify import SIGNING_NAME

# Any URL Amazon could use: the bench's certificate loader answers it with the chain.
CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-bench.pem"


PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: PrivateKey

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Back Coach Private PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def issue(
    subject: str,
    key: PrivateKey,
    issuer: Issued | None,
    *,
    ca: bool,
    san: Sequence[str] = (SIGNING_NAME,),
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> Issued:
    """A certificate for ``key``: a CA (self-signed when ``issuer`` is None) or a leaf
    shaped like Amazon's signing certificate (EKU serverAuth, ``san`` DNS names).  The
    verification tests use it too, with other names, keys and validity periods."""
    now = datetime.now(UTC)
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.cert.subject if issuer else _name(subject))
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=3650 if ca else 30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca and issuer else None), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=not ca and isinstance(key, rsa.RSAPrivateKey),
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            True,
        )
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), False
        )
    if not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False
        ).add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in san]), False)
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Pki:
    root: Issued
    intermediate: Issued
    leaf: Issued

    @property
    def chain(self) -> bytes:
        """What Amazon serves at the certificate URL: leaf first, then the intermediate."""
        return self.leaf.pem + self.intermediate.pem

    def with_leaf(self, issued: Issued) -> Pki:
        return Pki(self.root, self.intermediate, issued)

    def sign(self, body: bytes) -> str:
        """The ``Signature-256`` header: base64 RSA PKCS#1 v1.5 SHA-256 of the body."""
        key = self.leaf.key
        assert isinstance(key, rsa.RSAPrivateKey)
        signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")


def make_pki() -> Pki:
    root = issue("Bench Root CA", new_rsa_key(), None, ca=True)
    intermediate = issue("Bench Intermediate CA", new_rsa_key(), root, ca=True)
    return Pki(root, intermediate, issue(SIGNING_NAME, new_rsa_key(), intermediate, ca=False))
