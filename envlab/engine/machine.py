"""Which machine an export comes from: its host name and a random id kept in the data folder.

Neither is a secret. The host name is what an operator reads; the id tells apart two kiosks that share
a host name (containers, cloned disks with the same name). A cloned data folder carries its id along:
delete ``machine-id`` in each clone's data folder and it is made afresh.
"""

from __future__ import annotations

import os
import re
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

MACHINE_ID_FILE = "machine-id"
#: What a machine id looks like: 16 lowercase hex digits (64 random bits).
MACHINE_ID = re.compile(r"^[0-9a-f]{16}$")
_HOSTNAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class Machine:
    """A machine as an export names it.

    Attributes:
        hostname: The host name when the export was written (at most 64 characters).
        id: The data folder's random id, or ``None`` when the folder could not keep one (read-only).
    """

    hostname: str
    id: str | None

    @property
    def label(self) -> str:
        """How a person reads it: ``kiosk-03 (1a2b3c)``."""
        return f"{self.hostname} ({self.id[:6]})" if self.id else self.hostname


def this_machine(folder: Path) -> Machine:
    """This machine: its host name and the id kept in ``folder`` (made there on first use)."""
    return Machine(hostname=_hostname(), id=machine_id(folder))


def machine_id(folder: Path) -> str | None:
    """The random id kept in ``folder/machine-id``, made once; ``None`` if the folder cannot keep one."""
    path = folder / MACHINE_ID_FILE
    found = _read(path)
    if found is not None:
        return found
    import secrets  # only the first time a data folder is used: the store opens before home lists lessons

    made = secrets.token_hex(8)
    spare = folder / f".{MACHINE_ID_FILE}-{made}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        spare.write_text(made + "\n", encoding="ascii")
        try:
            # A link never replaces: two processes starting at once agree on whichever id came first.
            os.link(spare, path)
        except FileExistsError:
            found = _read(path)
            if found is not None:
                return found
            os.replace(spare, path)  # a damaged id file: this one takes its place
    except OSError:
        return None
    finally:
        with suppress(OSError):
            spare.unlink()
    return made


def _read(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return text if MACHINE_ID.match(text) else None


def _hostname() -> str:
    """The host name, reduced to characters any file name and table can hold."""
    import socket

    name = _HOSTNAME_UNSAFE.sub("-", socket.gethostname())[:64].strip("-.")
    return name or "unnamed"
