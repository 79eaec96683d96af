"""``qconnect keys``: API keys for the HTTP service and sign-in links for its web pages,
printed once and stored hashed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

import typer

from api.cli.common import JsonOption, StoreOption, app, community, console, print_data
from models import Role
from models.access import LinkRole
from models.privacy import OPERATOR
from models.settings import PUBLIC_URL, get_settings
from service import keys, sessions

__all__ = ["keys_app", "service_url", "sign_in_url"]

keys_app = typer.Typer(help="API keys for the HTTP service, sign-in links for its pages.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command()
def create(
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    member: Annotated[str | None, typer.Option(help="The member the key acts for (required "
                                               "for a member key).")] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a key and print it once: only its hash is kept, so it cannot be shown again."""
    if role == "member" and member is None:
        raise typer.BadParameter("a member key needs --member ID", param_hint="--member")
    with community(store) as live:
        text, key = keys.create_key(live, OPERATOR, role, member)
    if as_json:
        print_data({"key": text, "id": key.id, "role": key.role, "member": key.member},
                   as_json=True)
    else:
        console.print(f"created {role} key {key.id}"
                      + (f" acting for {member}" if member else "")
                      + "; it is shown only now:", highlight=False)
        typer.echo(text)


@keys_app.command("list")
def list_keys(store: StoreOption = None, as_json: JsonOption = False) -> None:
    """The keys that exist (ids, roles, members; never the keys themselves)."""
    with community(store) as live:
        found = keys.list_keys(live, OPERATOR)
    rows = [{"id": k.id, "kind": k.kind, "role": k.role, "member": k.member,
             "created": k.created.isoformat(),
             "expires": k.expires.isoformat() if k.expires else None} for k in found]
    if as_json:
        print_data(rows, as_json=True)
        return
    for row in rows:
        typer.echo(f"{row['id']}  {row['kind']:<7}  {row['role']:<11}  "
                   f"{row['member'] or '-':<20}  {row['created']}")
    if not rows:
        console.print("no keys")


@keys_app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (from 'keys list').")],
           store: StoreOption = None) -> None:
    """Revoke a key: requests with it are refused from now on."""
    with community(store) as live:
        keys.revoke_key(live, OPERATOR, key_id)
    console.print(f"revoked key {key_id}")


def service_url(port: int | None = None) -> str:
    """Where members reach the service: ``QCONNECT_PUBLIC_URL``, else
    ``http://QCONNECT_HOST:PORT`` (``port`` or ``QCONNECT_PORT``)."""
    settings = get_settings()
    return settings.public_url or f"http://{settings.host}:{port or settings.port}"


def sign_in_url(token: str, base_url: str | None = None) -> str:
    """The sign-in link to hand over for the link token ``token``.

    >>> sign_in_url("qcl_x", "https://qconnect.example/")
    'https://qconnect.example/sign-in/qcl_x'
    """
    return f"{(base_url or service_url()).rstrip('/')}/sign-in/{token}"


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([mhd])")
_UNIT = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> dt.timedelta:
    """``30m``, ``24h`` or ``7d`` as a duration.

    >>> parse_duration("36h")
    datetime.timedelta(days=1, seconds=43200)
    """
    found = _DURATION.fullmatch(text.strip())
    try:
        lasts = dt.timedelta(**{_UNIT[found[2]]: float(found[1])}) if found else None
    except OverflowError:  # past what a date can hold: longer than any link may last
        lasts = dt.timedelta.max
    if lasts is None or lasts <= dt.timedelta(0):
        raise typer.BadParameter("give a positive number of minutes, hours or days, such as "
                                 "30m, 24h or 7d", param_hint="--expires")
    return lasts


def _public_url(text: str | None) -> str | None:
    """``--base-url`` as given, refused unless it is an address as ``QCONNECT_PUBLIC_URL``
    must be: checked before the link is made, so a mistyped one leaves no unusable link."""
    if text is not None and not re.match(PUBLIC_URL, text):
        raise typer.BadParameter("give the address members reach the service at, such as "
                                 "https://qconnect.example.org", param_hint="--base-url")
    return text


@keys_app.command()
def link(
    member: Annotated[str, typer.Option(help="The member who signs in with it.")],
    role: Annotated[LinkRole, typer.Option(help="What they may do once signed in.")] = "member",
    expires: Annotated[str, typer.Option(help="How long the link stays usable: 30m, 24h, "
                                         "7d.")] = "24h",
    base_url: Annotated[str | None, typer.Option(
        help="Where members reach the service \\[default: QCONNECT_PUBLIC_URL, else "
        "http://QCONNECT_HOST:PORT].", callback=_public_url)] = None,
    store: StoreOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a one-time sign-in link for the web pages and print it once: opening it signs the
    member in and uses it up."""
    lasts = parse_duration(expires)
    with community(store) as live:
        text, key = sessions.create_link(live, OPERATOR, member, role, lasts)
    url = sign_in_url(text, base_url)
    if as_json:
        print_data({"link": url, "id": key.id, "role": key.role, "member": key.member,
                    "expires": key.expires.isoformat() if key.expires else None}, as_json=True)
    else:
        console.print(f"sign-in link for {member} as {role}, usable once until "
                      f"{key.expires:%Y-%m-%d %H:%M} UTC; it is shown only now:",
                      highlight=False)
        typer.echo(url)
