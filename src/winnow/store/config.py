"""What each tenant configures over HTTP: versioned policies, term lists and hash banks.

A tenant's moderation is the service's pipeline with the tenant's active policy in place of the
service policy, plus its own lists and banks (:mod:`winnow.tenancy` builds it). Policy versions
are immutable: a change is a new version, and every decision names the version that made it.
Every write bumps the tenant's ``revision``, which is how each process notices a change made by
another.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from winnow.banks.model import Bank, HashKind

__all__ = [
    "MAX_BANK_ENTRIES",
    "MAX_LISTS",
    "ConfigStore",
    "StoredBank",
    "StoredEntry",
    "StoredList",
    "StoredPolicy",
    "TenantConfig",
]

MAX_LISTS = 100
"""Term lists a tenant may hold."""
MAX_BANK_ENTRIES = 1_000_000
"""Entries a tenant's banks may hold in all (each process keeps them in memory to match)."""


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    tenant: str
    version: str
    document: dict[str, Any]  # as sent: only the categories it changes
    created_at: float
    active: bool = False


@dataclass(frozen=True, slots=True)
class StoredList:
    tenant: str
    name: str
    document: dict[str, Any]  # a list document (winnow.text.lists.parse_list)
    created_at: float
    updated_at: float


@dataclass(frozen=True, slots=True)
class StoredBank:
    tenant: str
    bank: Bank
    created_at: float
    entries: int = 0


@dataclass(frozen=True, slots=True)
class StoredEntry:
    id: int
    bank: str
    kind: HashKind
    value: str
    metadata: str
    created_at: float


@dataclass(frozen=True, slots=True)
class TenantConfig:
    """Everything one tenant set, read in one transaction."""

    tenant: str
    revision: int
    policy: StoredPolicy | None = None  # the active one; None: the service's policy
    lists: tuple[StoredList, ...] = ()
    banks: tuple[StoredBank, ...] = ()
    entries: tuple[StoredEntry, ...] = field(default=())


class ConfigStore(ABC):
    """Per-tenant configuration. Every method takes the tenant and touches only its rows."""

    @abstractmethod
    def revision(self, tenant: str) -> int:
        """A number that changes on every write of the tenant's configuration (0: none yet)."""

    @abstractmethod
    def snapshot(self, tenant: str) -> TenantConfig: ...

    # -- policies -------------------------------------------------------------------------

    @abstractmethod
    def create_policy(
        self, tenant: str, version: str, document: dict[str, Any], activate: bool
    ) -> StoredPolicy:
        """Store a new version (:class:`ConflictError` if the tenant has it already)."""

    @abstractmethod
    def policies(self, tenant: str) -> list[StoredPolicy]:
        """The tenant's versions, newest first."""

    @abstractmethod
    def policy(self, tenant: str, version: str) -> StoredPolicy | None: ...

    @abstractmethod
    def activate_policy(self, tenant: str, version: str | None) -> bool:
        """Make ``version`` the one moderation uses (None: back to the service's policy).
        False when the tenant has no such version."""

    @abstractmethod
    def delete_policy(self, tenant: str, version: str) -> bool:
        """Delete a version that is not active (:class:`ConflictError` if it is); False when
        there is no such version. Decisions keep naming it."""

    # -- term lists -----------------------------------------------------------------------

    @abstractmethod
    def put_list(self, tenant: str, name: str, document: dict[str, Any]) -> tuple[StoredList, bool]:
        """Create or replace the list ``name``; True when it was created."""

    @abstractmethod
    def lists(self, tenant: str) -> list[StoredList]: ...

    @abstractmethod
    def get_list(self, tenant: str, name: str) -> StoredList | None: ...

    @abstractmethod
    def delete_list(self, tenant: str, name: str) -> bool: ...

    # -- hash banks -----------------------------------------------------------------------

    @abstractmethod
    def create_bank(self, tenant: str, bank: Bank) -> StoredBank:
        """A new, empty bank (:class:`ConflictError` if the name is taken)."""

    @abstractmethod
    def banks(self, tenant: str) -> list[StoredBank]: ...

    @abstractmethod
    def get_bank(self, tenant: str, name: str) -> StoredBank | None: ...

    @abstractmethod
    def delete_bank(self, tenant: str, name: str) -> int | None:
        """Delete a bank and its entries; how many entries went, None when there is no bank."""

    @abstractmethod
    def add_entries(
        self, tenant: str, bank: str, entries: Sequence[tuple[HashKind, str, str]]
    ) -> int | None:
        """Add validated (kind, lowercase hex, metadata) rows; ones the bank has are skipped.
        How many were new; None when there is no such bank. :class:`LimitExceededError` past
        :data:`MAX_BANK_ENTRIES`."""

    @abstractmethod
    def entries(
        self, tenant: str, bank: str, after: int = 0, limit: int = 100
    ) -> list[StoredEntry]:
        """A page of the bank's entries by id, after id ``after``."""

    @abstractmethod
    def remove_entry(self, tenant: str, bank: str, entry_id: int) -> bool: ...
