"""``backcoach clinician add EMAIL``: make a clinician's account for ``/clinic``.

The password is asked twice at a terminal (getpass: not echoed, not in the shell's
history) or read as one line from standard input when it is not a terminal (for a
script: ``printf '%s\\n' "$PW" | backcoach clinician add ann@clinic.example``).
Accounts live in the skill's Redis (``REDIS_URL``), beside the plans.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from ..plan_cli import redis_store
from ..store import StoreUnavailableError
from .accounts import AccountError, Accounts, RedisAccounts, hash_password, normal_email


def add_clinician_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="clinician_command", required=True)
    add = actions.add_parser("add", help="make a clinician's account (the password is asked)")
    add.add_argument("email", help="the clinician's email address: their sign-in name")


def ask_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def add_local_clinician(accounts: Accounts, email: str) -> str:
    """``backcoach run --clinician``: an account in the running server's accounts (its
    password asked); the stored address.  An existing account is kept as it is."""
    address = normal_email(email)
    accounts.add(address, hash_password(ask_password()))
    return address


def clinician_command(args: argparse.Namespace) -> int:

    store = redis_store()
    if store is None:
        return 2
    try:
        email = normal_email(args.email)
        hashed = hash_password(ask_password())
        if not RedisAccounts(store).add(email, hashed):
            print(f"backcoach: {email} already has an account", file=sys.stderr)
            return 1
    except AccountError as error:
        print(f"backcoach: {error}", file=sys.stderr)
        return 2
    except StoreUnavailableError as error:
        print(f"backcoach: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"clinician {email} added: they sign in at /clinic/sign-in")
    return 0
