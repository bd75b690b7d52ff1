"""Every bound a lesson file must stay within, in one place, each with the reason for its number.

A lesson is data from a stranger: validation refuses what these bounds exclude, the docs
(`docs/authoring.md`, "What a lesson may do") list them, and the runtime boundary re-checks the
ones it enforces (:mod:`envlab.policy`: capabilities, memory, CPUs, processes). The built-in curriculum stays
well inside every bound; where a number looks generous, it is so that honest lessons never meet it.
"""

from __future__ import annotations

# What a container may be given (capabilities, memory, CPUs, processes) is the runtime's policy as much
# as the lesson format's: it lives in envlab.policy, which both layers read, and is re-exported here.
from envlab.policy import (
    ALLOWED_CAPABILITIES as ALLOWED_CAPABILITIES,
)
from envlab.policy import (
    CPUS_MAX as CPUS_MAX,
)
from envlab.policy import (
    CPUS_MIN as CPUS_MIN,
)
from envlab.policy import (
    MEMORY_MAX as MEMORY_MAX,
)
from envlab.policy import (
    MEMORY_MIN as MEMORY_MIN,
)
from envlab.policy import (
    PIDS_MAX as PIDS_MAX,
)
from envlab.policy import (
    PIDS_MIN as PIDS_MIN,
)
from envlab.policy import (
    capability as capability,
)
from envlab.policy import (
    memory_bytes as memory_bytes,
)

# --- The file and its YAML -------------------------------------------------------------------------

#: Bytes of one lesson file, refused before parsing. The largest built-in lesson is ~21 KB; 4 MiB
#: leaves room for inline files and long narratives while keeping a parse under a few seconds.
MAX_FILE_BYTES = 4 * 1024 * 1024
#: Nesting of mappings and sequences. Lessons nest 6 deep; 32 stops "[[[[..." long before Python's
#: own recursion limit, which would otherwise end envlab with a RecursionError.
MAX_YAML_DEPTH = 32
#: Values (keys, scalars, mappings, sequences) in one file, both as written and once aliases are
#: expanded (each alias counts as the size of what it points to). Lessons hold ~600; at 20,000 the
#: pure-Python parser stops within about a second, and an alias bomb is refused before it expands.
MAX_YAML_NODES = 20_000
#: Characters of text once aliases are expanded: twice a full-size file, so sharing a runbook by an
#: anchor is free, but one long string repeated by a thousand aliases is not.
MAX_EXPANDED_CHARS = 2 * MAX_FILE_BYTES
#: Lesson files read from one folder: a pack of a few dozen lessons is large; more files than this
#: would only make every start slow.
MAX_LESSON_FILES = 200

# --- Strings ---------------------------------------------------------------------------------------

#: One lesson text (a title, the narrative, a hint...) in one language: ~50 printed pages.
MAX_TEXT_CHARS = 100_000
#: Languages one text may give (en, ja today).
MAX_LANGUAGES = 8
#: One shell command (a step, a probe, a check, a health check): a long script is a file in the assets.
MAX_COMMAND_CHARS = 16_384
#: Inline content of one file placed on a host; larger files belong in the assets folder.
MAX_CONTENT_CHARS = 1024 * 1024
#: One regular expression: patterns name an error line, they are not programs.
MAX_PATTERN_CHARS = 2_048
#: A path: Linux's own limits (NAME_MAX 255 per component; 1024 is well under PATH_MAX 4096).
MAX_PATH_CHARS = 1_024
MAX_PATH_COMPONENT_CHARS = 255
#: An image tag (Docker allows 128 for the tag and 255 for the whole reference).
MAX_IMAGE_CHARS = 255
#: A Debian package name (Debian sets no limit; the longest in the archive are under 70).
MAX_PACKAGE_NAME_CHARS = 100
#: An environment variable's name and value.
MAX_ENV_NAME_CHARS = 128
MAX_ENV_VALUE_CHARS = 4_096

# --- Lists -----------------------------------------------------------------------------------------

#: Goals and hints: a handful each (lessons have 1-3).
MAX_GOALS = 12
MAX_HINTS = 12
#: Quiz questions (lessons have up to 4).
MAX_QUIZ = 30
#: Bare hosts plus the fix: each is a container started at once (lessons have up to 4).
MAX_SETUPS = 6
#: Steps of one runbook or one solution (lessons have up to 6).
MAX_STEPS = 50
#: Files placed on one host, variables of one container, ports one setup publishes, packages one host
#: has, checks of one lesson.
MAX_FILES = 50
MAX_ENV = 64
MAX_PORTS = 8
MAX_PACKAGES = 64
MAX_CHECKS = 30
#: Items the inspector compares beyond its fixed ones (each one is a command in every setup).
MAX_INSPECT_ITEMS = 50
#: Arguments of a service's command.
MAX_COMMAND_ARGS = 64
#: Scenario lessons: phases, and the changes, faults and expectations of one phase.
MAX_PHASES = 24
MAX_PHASE_ITEMS = 20

# --- Containers --------------------------------------------------------------------------------------

#: Replicas of one service at any moment, and of every service of a topology together (a change or
#: the autoscaler counts at its highest). Lessons run up to 7 together.
MAX_REPLICAS_PER_SERVICE = 8
MAX_REPLICAS_TOTAL = 12
#: Services of one topology.
MAX_SERVICES = 8
MAX_SERVERS = 5  # the servers of one cluster: each a Docker Engine of its own, about 100 MB of memory idle
MAX_SERVER_LABELS = 8

# --- Time ----------------------------------------------------------------------------------------------

#: Seconds one runbook or solution step may wait: a step installs or runs something; ten minutes is
#: already a long install.
MAX_STEP_TIMEOUT = 600
#: Seconds one probe may wait.
MAX_PROBE_TIMEOUT = 600
#: Seconds a ``command`` check may run (every check gets the same, so a lesson cannot hold a run).
CHECK_COMMAND_TIMEOUT = 60
#: Seconds an ``http`` check may wait for an answer.
MAX_HTTP_TIMEOUT = 120
#: Bytes of an ``http`` check's body that are read and matched.
MAX_HTTP_BODY_BYTES = 64 * 1024
#: Seconds one lesson may take, by its own timeouts: every step and probe of every setup and every
#: step of the solution, added up (setups run side by side, but share the machine's CPUs); for a
#: scenario, every phase's traffic. The longest built-in lesson adds up to 24 minutes (shared-kernel,
#: 1,440 s); 30 minutes is a long class period.
LESSON_TIME_BUDGET = 1_800

def over_budget(parts: list[tuple[str, float]]) -> tuple[int, str] | None:
    """Whether the timeouts ``parts`` (field, seconds) add up to more than :data:`LESSON_TIME_BUDGET`.

    Returns:
        ``None`` within the budget; else the index of the largest part (the field to lower) and the
        message for it.
    """
    total = sum(seconds for _field, seconds in parts)
    if total <= LESSON_TIME_BUDGET:
        return None
    largest = max(range(len(parts)), key=lambda index: parts[index][1])
    spent = ", ".join(f"{field} {seconds:g} s" for field, seconds in parts if seconds)
    return largest, (f"the lesson's timeouts add up to {total:g} s ({spent}), more than the {LESSON_TIME_BUDGET} s "
                     f"a lesson may take; lower the timeouts of {parts[largest][0]}")
