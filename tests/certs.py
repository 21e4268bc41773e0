"""A private PKI for the verification tests: certificates built by the developer
package's ``backcoach_dev.pki.issue`` (shared with the bench, not part of it) from keys
made once per run (a root CA, an intermediate and a leaf for echo-api.amazon.com shaped
like Amazon's real signing certificate), and Alexa-style signatures of a body.

``AMAZON_CHAIN_2026`` is Amazon's real chain as served in 2026 (leaf
CN=echo-api.amazon.com, valid 2026-07-28 to 2027-02-10, issued by Amazon RSA 2048 M01
under Amazon Root CA 1; the third certificate is Amazon Root CA 1 cross-signed by
Starfield).  It is public data, kept here to check the path-validation policy against
what Amazon really sends.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from datetime import datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backcoach_dev.pki import Issued, Pki, PrivateKey, issue
from skill.verify import SIGNING_NAME

CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One 2048-bit key per name for the whole test run (key generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def root(name: str = "Test Root CA", key: str = "root") -> Issued:
    return issue(name, rsa_key(key), None, ca=True)


def intermediate(issuer: Issued, key: str = "intermediate") -> Issued:
    return issue("Test Intermediate CA", rsa_key(key), issuer, ca=True)


def leaf(
    issuer: Issued,
    *,
    san: Sequence[str] = (SIGNING_NAME,),
    key: PrivateKey | None = None,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> Issued:
    return issue(
        SIGNING_NAME,
        key or rsa_key("leaf"),
        issuer,
        ca=False,
        san=san,
        not_before=not_before,
        not_after=not_after,
    )


def pki() -> Pki:
    top = root()
    middle = intermediate(top)
    return Pki(top, middle, leaf(middle))


def sign(body: bytes, key: PrivateKey | None = None) -> str:
    """The ``Signature-256`` header Alexa sends: base64 RSA PKCS#1 v1.5 SHA-256."""
    private = key or rsa_key("leaf")
    assert isinstance(private, rsa.RSAPrivateKey)
    return base64.b64encode(private.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


def sign_sha1(body: bytes, key: rsa.RSAPrivateKey | None = None) -> str:
    """The old ``Signature`` header: the same with SHA-1."""
    private = key or rsa_key("leaf")
    return base64.b64encode(private.sign(body, padding.PKCS1v15(), hashes.SHA1())).decode()


AMAZON_CHAIN_2026 = b"""\
-----BEGIN CERTIFICATE-----
MIIFxzCCBK+gAwIBAgIQD4h7C+HbtXhZNwE7PpuCJzANBgkqhkiG9w0BAQsFADA8
MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRwwGgYDVQQDExNBbWF6b24g
UlNBIDIwNDggTTAxMB4XDTI2MDcyODAwMDAwMFoXDTI3MDIxMDIzNTk1OVowHjEc
MBoGA1UEAxMTZWNoby1hcGkuYW1hem9uLmNvbTCCASIwDQYJKoZIhvcNAQEBBQAD
ggEPADCCAQoCggEBALto22k1FHbDHjmTqOvjHLSraECZ+AqIUOFZdky2f2TTBkFv
pLaG/TbZ6M+tgoIfScGK3lzBzSg2q0fYMi1dlWVrnyXHrpUNrOeEYdoG18EMPy/8
mZDMlCAzI+uRQ7Q5HW6mNhtw2ioLOfROGr4y8HR2wZf42Gxz9d3nOc5kVMLafXaA
7y6ZjdY5creh6PueLf+uyqNXaTifR9xGYt/SC0zqAlQuK4y54uLh+7LZ+cTGG6oo
dsR5Tae9kr3Xk9UGoGGsNht6ORFQAszOe16IJ3+97SjSVINisacu7dG1rmA0GcXX
6JME+1JGww0uXfXl3diDE26Rlx1cW5pjEOpikXsCAwEAAaOCAuEwggLdMB8GA1Ud
IwQYMBaAFIG4DmOKiRIY5fo7O1CVn+blkBOFMB0GA1UdDgQWBBSS3TDoKzEY/MG3
ilqLpvGMd8r7mzAeBgNVHREEFzAVghNlY2hvLWFwaS5hbWF6b24uY29tMBMGA1Ud
IAQMMAowCAYGZ4EMAQIBMA4GA1UdDwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEF
BQcDATA7BgNVHR8ENDAyMDCgLqAshipodHRwOi8vY3JsLnIybTAxLmFtYXpvbnRy
dXN0LmNvbS9yMm0wMS5jcmwwdQYIKwYBBQUHAQEEaTBnMC0GCCsGAQUFBzABhiFo
dHRwOi8vb2NzcC5yMm0wMS5hbWF6b250cnVzdC5jb20wNgYIKwYBBQUHMAKGKmh0
dHA6Ly9jcnQucjJtMDEuYW1hem9udHJ1c3QuY29tL3IybTAxLmNlcjAMBgNVHRMB
Af8EAjAAMIIBfQYKKwYBBAHWeQIEAgSCAW0EggFpAWcAdwBMY9yY5Zwdq4j2Hoo9
3q6Pq0SjN3tfm5TD+6Gc/MG+JgAAAZ+mtyKkAAAEAwBIMEYCIQDo1nW9CNKmcwFW
1BoSi+yva6OdMkJvi68XWswhoUswEgIhAIcB6bxA3R+1JY3F97Rbcil698hfQa3q
sn4xuolwOYchAHUA1tWNqdAXU/NqSqDHV0kCr+vH3CzTjNn3ZMgMiRkenwIAAAGf
prciuAAABAMARjBEAiAx9GLJFXrRSbPLRNoLBH5X3z0eXo+MFY3yxuJ64YVlZAIg
fs18u2hHBKh+q6zuofY2g0plVmQXcjQ+0/LYjbCrRZwAdQAcn2gs6frwRWlQ+BuW
iofd2zIQ2EzmyLLjglJKxM9ZnwAAAZ+mtyL7AAAEAwBGMEQCIHZFiZ1K8hJHwo8A
VM509myfAmp20SkiX+zyYfUYMtDnAiAub0yq8H2Kp/hQgksJ8J5mlIlQ5atO0unH
d90X9zPevDANBgkqhkiG9w0BAQsFAAOCAQEAZXtQdsFhcI86RDY/3kjY0BvkSpX1
ZjUBWnwEGyItlaQ85ABTVgvxg5Z2Gt3+w2835kCSOmfSWU478UMcxNDn1o1mrQ3Q
NanoZxNABcqP6qm0yr4FmsA+brzLcyT3nNK5CsE7ZbG8uUzzyDODug8/kaHnYqBU
4doEocgSNIyjXulQDLmMuavT+eJx3DDqqfZdXZeKz7trBcqeyZDAICc3w9LPwCpd
UuiJjGPwQBqO+927qirMKs4xajarNTOHRvoHnI4wGZBOtAi8BY6VI6iyD/MPlXji
SjNjM2hKIJsXebx1xK1ee0IBQVcGL677hWpjYv/aiuY47uVoqlrZpzy3iw==
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIEXjCCA0agAwIBAgITB3MSOAudZoijOx7Zv5zNpo4ODzANBgkqhkiG9w0BAQsF
ADA5MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6
b24gUm9vdCBDQSAxMB4XDTIyMDgyMzIyMjEyOFoXDTMwMDgyMzIyMjEyOFowPDEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEcMBoGA1UEAxMTQW1hem9uIFJT
QSAyMDQ4IE0wMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAOtxLKnL
H4gokjIwr4pXD3i3NyWVVYesZ1yX0yLI2qIUZ2t88Gfa4gMqs1YSXca1R/lnCKeT
epWSGA+0+fkQNpp/L4C2T7oTTsddUx7g3ZYzByDTlrwS5HRQQqEFE3O1T5tEJP4t
f+28IoXsNiEzl3UGzicYgtzj2cWCB41eJgEmJmcf2T8TzzK6a614ZPyq/w4CPAff
nAV4coz96nW3AyiE2uhuB4zQUIXvgVSycW7sbWLvj5TDXunEpNCRwC4kkZjK7rol
jtT2cbb7W2s4Bkg3R42G3PLqBvt2N32e/0JOTViCk8/iccJ4sXqrS1uUN4iB5Nmv
JK74csVl+0u0UecCAwEAAaOCAVowggFWMBIGA1UdEwEB/wQIMAYBAf8CAQAwDgYD
VR0PAQH/BAQDAgGGMB0GA1UdJQQWMBQGCCsGAQUFBwMBBggrBgEFBQcDAjAdBgNV
HQ4EFgQUgbgOY4qJEhjl+js7UJWf5uWQE4UwHwYDVR0jBBgwFoAUhBjMhTTsvAyU
lC4IWZzHshBOCggwewYIKwYBBQUHAQEEbzBtMC8GCCsGAQUFBzABhiNodHRwOi8v
b2NzcC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbTA6BggrBgEFBQcwAoYuaHR0cDov
L2NydC5yb290Y2ExLmFtYXpvbnRydXN0LmNvbS9yb290Y2ExLmNlcjA/BgNVHR8E
ODA2MDSgMqAwhi5odHRwOi8vY3JsLnJvb3RjYTEuYW1hem9udHJ1c3QuY29tL3Jv
b3RjYTEuY3JsMBMGA1UdIAQMMAowCAYGZ4EMAQIBMA0GCSqGSIb3DQEBCwUAA4IB
AQCtAN4CBSMuBjJitGuxlBbkEUDeK/pZwTXv4KqPK0G50fOHOQAd8j21p0cMBgbG
kfMHVwLU7b0XwZCav0h1ogdPMN1KakK1DT0VwA/+hFvGPJnMV1Kx2G4S1ZaSk0uU
5QfoiYIIano01J5k4T2HapKQmmOhS/iPtuo00wW+IMLeBuKMn3OLn005hcrOGTad
hcmeyfhQP7Z+iKHvyoQGi1C0ClymHETx/chhQGDyYSWqB/THwnN15AwLQo0E5V9E
SJlbe4mBlqeInUsNYugExNf+tOiybcrswBy8OFsd34XOW3rjSUtsuafd9AWySa3h
xRRrwszrzX/WWGm6wyB+f7C4
-----END CERTIFICATE-----
-----BEGIN CERTIFICATE-----
MIIEkjCCA3qgAwIBAgITBn+USionzfP6wq4rAfkI7rnExjANBgkqhkiG9w0BAQsF
ADCBmDELMAkGA1UEBhMCVVMxEDAOBgNVBAgTB0FyaXpvbmExEzARBgNVBAcTClNj
b3R0c2RhbGUxJTAjBgNVBAoTHFN0YXJmaWVsZCBUZWNobm9sb2dpZXMsIEluYy4x
OzA5BgNVBAMTMlN0YXJmaWVsZCBTZXJ2aWNlcyBSb290IENlcnRpZmljYXRlIEF1
dGhvcml0eSAtIEcyMB4XDTE1MDUyNTEyMDAwMFoXDTM3MTIzMTAxMDAwMFowOTEL
MAkGA1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJv
b3QgQ0EgMTCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBALJ4gHHKeNXj
ca9HgFB0fW7Y14h29Jlo91ghYPl0hAEvrAIthtOgQ3pOsqTQNroBvo3bSMgHFzZM
9O6II8c+6zf1tRn4SWiw3te5djgdYZ6k/oI2peVKVuRF4fn9tBb6dNqcmzU5L/qw
IFAGbHrQgLKm+a/sRxmPUDgH3KKHOVj4utWp+UhnMJbulHheb4mjUcAwhmahRWa6
VOujw5H5SNz/0egwLX0tdHA114gk957EWW67c4cX8jJGKLhD+rcdqsq08p8kDi1L
93FcXmn/6pUCyziKrlA4b9v7LWIbxcceVOF34GfID5yHI9Y/QCB/IIDEgEw+OyQm
jgSubJrIqg0CAwEAAaOCATEwggEtMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/
BAQDAgGGMB0GA1UdDgQWBBSEGMyFNOy8DJSULghZnMeyEE4KCDAfBgNVHSMEGDAW
gBScXwDfqgHXMCs4iKK4bUqc8hGRgzB4BggrBgEFBQcBAQRsMGowLgYIKwYBBQUH
MAGGImh0dHA6Ly9vY3NwLnJvb3RnMi5hbWF6b250cnVzdC5jb20wOAYIKwYBBQUH
MAKGLGh0dHA6Ly9jcnQucm9vdGcyLmFtYXpvbnRydXN0LmNvbS9yb290ZzIuY2Vy
MD0GA1UdHwQ2MDQwMqAwoC6GLGh0dHA6Ly9jcmwucm9vdGcyLmFtYXpvbnRydXN0
LmNvbS9yb290ZzIuY3JsMBEGA1UdIAQKMAgwBgYEVR0gADANBgkqhkiG9w0BAQsF
AAOCAQEAYjdCXLwQtT6LLOkMm2xF4gcAevnFWAu5CIw+7bMlPLVvUOTNNWqnkzSW
MiGpSESrnO09tKpzbeR/FoCJbM8oAxiDR3mjEH4wW6w7sGDgd9QIpuEdfF7Au/ma
eyKdpwAJfqxGF4PcnCZXmTA5YpaP7dreqsXMGz7KQ2hsVxa81Q4gLv7/wmpdLqBK
bRRYh5TmOTFffHPLkIhqhBGWJ6bt2YFGpn6jcgAKUj6DiAdjd4lpFw85hdKrCEVN
0FE6/V1dN2RMfjCyVSRCnTawXZwXgWHxyvkQAiSr6w10kY17RSlQOYiypok1JR4U
akcjMS9cmvqtmg5iUaQqqcT5NJ0hGA==
-----END CERTIFICATE-----
"""
