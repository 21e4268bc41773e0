"""The clinician's pages at ``/clinic`` (skill/clinic/views.py, ``install_clinic``):
sign in, prescribe by filling the handout, follow the linked patients, revoke codes and
unlink devices; their accounts (accounts.py) and ``backcoach clinician`` (accounts_cli.py).
"""
