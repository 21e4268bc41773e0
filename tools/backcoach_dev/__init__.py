"""Back Coach's developer tools, kept out of the webhook's package.

``chat`` (``make chat``, ``backcoach-dev simulate``), ``bench`` (``make bench``),
``pki`` (a private CA for the bench and the verification tests) and ``ports`` are
what a developer or a test needs and production never does: the ``skill`` package
imports none of them, so the wheel and the Docker image carry the webhook only.
"""
