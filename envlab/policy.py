"""What any container envlab starts may be given: read by the lesson format (validation) and by the
runtime (hardening), so a lesson that slipped past one is still stopped by the other.

A leaf module on purpose: the lessons and the runtime are independent layers, and both import this.
"""

from __future__ import annotations

#: Memory of one container, as Docker's ``<n>k|m|g``. Below 16 MiB Debian's shell and Python fail to
#: start; "0" would mean *no limit* to Docker, so it is refused with everything below the floor.
#: 2 GiB is the ceiling so a kiosk can run a lesson's setups side by side.
MEMORY_MIN = 16 * 1024**2
MEMORY_MAX = 2 * 1024**3
#: CPUs of one container: a tenth is the least that still runs a probe in its timeout; two keeps a
#: lesson from claiming a whole classroom machine.
CPUS_MIN = 0.1
CPUS_MAX = 2.0
#: Processes and threads of one container: 16 runs a shell pipeline; 1024 stops a fork bomb.
PIDS_MIN = 16
PIDS_MAX = 1_024
#: Capabilities a lesson may give back: exactly Docker's default set for ``docker run``, which
#: Docker itself deems harmless enough to grant every container. Anything else (SYS_ADMIN,
#: SYS_MODULE, DAC_READ_SEARCH, NET_ADMIN, SYS_TIME...) reaches past the container, and ``ALL`` would
#: give back every capability even after they were all dropped. The runtime re-checks this set.
ALLOWED_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
    "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})

_MEMORY_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3}


def memory_bytes(text: str) -> int:
    """Bytes of a Docker memory limit written ``<n>k``, ``<n>m`` or ``<n>g``.

    Raises:
        ValueError: ``text`` is not written that way.
    """
    number, unit = text[:-1], text[-1:].lower()
    if unit not in _MEMORY_UNITS or not number.isascii() or not number.isdigit():
        raise ValueError(f"{text!r} is not <number>k, m or g")
    return int(number) * _MEMORY_UNITS[unit]


def capability(text: str) -> str:
    """The capability ``text`` names, in upper case without the ``CAP_`` prefix.

    Raises:
        ValueError: It is not one of :data:`ALLOWED_CAPABILITIES`.
    """
    name = text.strip().upper().removeprefix("CAP_")
    if name in ALLOWED_CAPABILITIES:
        return name
    allowed = ", ".join(sorted(ALLOWED_CAPABILITIES))
    if name == "ALL":
        raise ValueError(f"{text!r} would give back every capability; name the ones the lesson needs from: {allowed}")
    raise ValueError(f"{text!r} is not a capability a lesson may add (it reaches past the container); "
                     f"allowed: {allowed}")
