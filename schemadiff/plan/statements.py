"""What a plan is made of: statements with their hazards, lock and transaction needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from ..model import Catalog, QualifiedName, catalog_hash

DESTRUCTIVE = "destructive"
LOCKING = "locking"
# Takes access away from a role (REVOKE): no data is lost and nothing locks, but an
# application that relied on it starts failing.
PERMISSION = "permission"
# The Statement fields that say what it costs on the database planned against, not what it
# is: left out of its equality and of a saved plan's statements hash.
COST_FIELDS = ("work", "touches", "estimate")


@dataclass(frozen=True)
class Hazard:
    """Why a statement needs care: ``kind`` is destructive, locking or permission, ``code`` names it."""

    kind: str
    code: str
    message: str


@dataclass(frozen=True)
class Statement:
    """One SQL statement of a plan with what a reviewer needs to know about it."""

    sql: str
    description: str
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True
    kind: str = ""  # the change type, e.g. "AddIndex"
    object: str = ""  # the object it touches, e.g. "public.users.idx_users_created_at"
    # Runs in a transaction of its own: what came before commits first (releasing its locks),
    # e.g. VALIDATE after ADD ... NOT VALID, or a new enum label before anything uses it.
    isolated: bool = False
    lock: str = ""  # the strongest table lock it takes, and for how long, e.g. "ACCESS EXCLUSIVE (brief)"
    # The index a CREATE INDEX CONCURRENTLY builds: a failed build leaves it INVALID, to drop.
    builds_index: Optional[QualifiedName] = None
    # What it costs on the database planned against (plan/cost.py), left out of equality: a
    # saved plan stays the same plan while the tables grow.
    work: str = field(default="", compare=False)  # catalog | scan | rewrite | index | index (concurrently) | data
    touches: tuple = field(default=(), compare=False)  # RelationSize of each existing table it works on
    estimate: Optional[object] = field(default=None, compare=False)  # cost.Estimate, once estimated

    @property
    def destructive(self) -> bool:
        return any(h.kind == DESTRUCTIVE for h in self.hazards)

    @property
    def level(self) -> str:
        kinds = {h.kind for h in self.hazards}
        return DESTRUCTIVE if DESTRUCTIVE in kinds else LOCKING if LOCKING in kinds \
            else PERMISSION if PERMISSION in kinds else "safe"


class PlanHashes:
    """The hash of the desired catalog and the fingerprint of the live one a plan was made
    against, computed on first use: hashing a big catalog is a measurable part of a plan, and
    only apply and saved plans need them."""

    def __init__(self, desired_hash: str = "", current_fingerprint: str = "", *,
                 desired: Optional[Catalog] = None, current: Optional[Catalog] = None):
        self._given = (desired_hash, current_fingerprint)
        self._catalogs = (desired, current)

    @cached_property
    def desired(self) -> str:
        return self._given[0] or (catalog_hash(self._catalogs[0]) if self._catalogs[0] is not None else "")

    @cached_property
    def current(self) -> str:
        return self._given[1] or (catalog_hash(self._catalogs[1]) if self._catalogs[1] is not None else "")


@dataclass(frozen=True)
class Plan:
    """The ordered statements that turn the live database into the desired state."""

    statements: tuple[Statement, ...]
    changes: tuple = field(default=(), compare=False)
    hashes: PlanHashes = field(default_factory=PlanHashes, compare=False)
    # What the connected role cannot run (plan.privileges.Blocked), in plan order: `plan`
    # warns of it, `apply` refuses the plan. Empty when planned without a database.
    blocked: tuple = field(default=(), compare=False)
    # The cost.Throughput the statements were estimated with (None: not estimated).
    throughput: Optional[object] = field(default=None, compare=False)
    # Why apply runs it in several transactions (deploy.chunking.note), when it does: its locks
    # would overflow the server's lock table in one. Empty otherwise.
    transactions_note: str = field(default="", compare=False)

    @property
    def desired_hash(self) -> str:
        return self.hashes.desired

    @property
    def current_fingerprint(self) -> str:
        return self.hashes.current

    @property
    def empty(self) -> bool:
        return not self.statements

    @property
    def destructive(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.destructive)

    def number_of(self, statement) -> Optional[int]:
        """The 1-based position of ``statement`` in the plan (None when it is not one)."""
        return next((i for i, s in enumerate(self.statements, 1) if s is statement), None) \
            or next((i for i, s in enumerate(self.statements, 1) if s == statement), None)

    def counts(self) -> dict:
        out = {"safe": 0, LOCKING: 0, DESTRUCTIVE: 0, PERMISSION: 0}
        for s in self.statements:
            out[s.level] += 1
        return out


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: ``online`` builds indexes concurrently and adds constraints NOT VALID
    then validates them, so that writers are not blocked on existing tables."""

    online: bool = True
    server_version: int = 0  # server_version_num of the database planned against; 0: unknown
