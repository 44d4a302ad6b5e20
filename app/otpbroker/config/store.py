"""ConfigStore: settings and record collections in ``<data-dir>/config.json``.

Thread safety: one re-entrant lock around every TinyDB access. Process safety: every
write holds an exclusive ``flock`` on ``.config.json.lock`` across its read-modify-write,
and every read goes to the file (atomically replaced, so never torn); a CLI and a running
server can therefore share the directory. ``transaction()`` holds both locks across a
caller's own check-then-change, so a rule checked inside it holds across processes.
``refresh()`` notices a change made by another process; ``generation`` counts the changes
seen or made; ``subscribe()`` is told of them.
"""

from __future__ import annotations

import builtins
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any, cast

from tinydb import TinyDB
from tinydb.operations import delete as delete_field
from tinydb.table import Document, Table

from otpbroker.config import records, schema
from otpbroker.config.changes import Callback, ChangeTracker
from otpbroker.config.errors import ConfigError, NotFoundError
from otpbroker.config.migrations import SETTINGS, migrate, new_id
from otpbroker.config.normalise import normalise_numbers
from otpbroker.config.rules import bad_char
from otpbroker.config.storage import AtomicJSONStorage, FileLock, file_signature
from otpbroker.domain.password_hash import hash_password, verify_password
from otpbroker.i18n.translate import _

log = logging.getLogger(__name__)

FILE_NAME = "config.json"
LOCK_NAME = ".config.json.lock"
PASSWORD_COLLECTIONS = ("api_users", "admins")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


def check_new_password(password: str) -> None:
    """Password policy; the message never contains the password."""
    if not isinstance(password, str):
        message = _("must be a string, got {value}")
        raise ConfigError("password", message.format(value=type(password).__name__))
    if len(password) < MIN_PASSWORD_LENGTH:
        message = _("must be at least {count} characters long")
        raise ConfigError("password", message.format(count=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        message = _("must be at most {count} characters long")
        raise ConfigError("password", message.format(count=MAX_PASSWORD_LENGTH))
    if bad_char(password) is not None:
        raise ConfigError("password", _("must not contain control or line-break characters"))


class ConfigStore:
    """Validated settings and records, safe to share between threads and processes."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.data_dir = Path(data_dir)
        if not self.data_dir.is_dir():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(self.data_dir, 0o700)
        self.path = self.data_dir / FILE_NAME
        self._lock = threading.RLock()
        self._depth = 0
        self._file_lock = FileLock(self.data_dir / LOCK_NAME)
        self._changes = ChangeTracker(self._lock)
        self._db = TinyDB(self.path, storage=AtomicJSONStorage)
        self._storage = cast(AtomicJSONStorage, self._db.storage)
        with self._access(write=True):
            data, changed = migrate(self._storage.read())
            if changed:
                self._storage.write(data)
            if self._table(SETTINGS).get(doc_id=1) is None:
                # With the settings document in place, every later set() is ONE write
                # (TinyDB's upsert of a missing document writes twice: table, then insert).
                self._table(SETTINGS).insert(Document({}, doc_id=1))
        self._changes.start(self._storage.signature)

    # -- locking and change detection -----------------------------------------------

    @contextlib.contextmanager
    def _access(self, *, write: bool = False) -> Iterator[None]:
        """Hold the lock (and, to write, the file lock); note changes; notify at the end."""
        notify: int | None = None
        try:
            with self._lock:
                self._depth += 1
                try:
                    if write:
                        self._file_lock.acquire()
                    try:
                        yield
                    finally:
                        if write:
                            self._file_lock.release()
                finally:
                    self._depth -= 1
                    self._changes.observe(self._storage.signature)
                    if self._depth == 0:
                        notify = self._changes.take_pending()
        finally:
            if notify is not None:
                self._changes.notify(notify)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the store exclusively (this process's threads and other processes).

        The lock and the file lock are held from start to end; reads inside go to the
        file (another process's last write included) and the store's own changes nest
        (both locks count their depth, so an inner change releases neither). Subscribers
        are told once, when the transaction ends.
        """
        with self._access(write=True):
            yield

    @property
    def generation(self) -> int:
        """Number of changes seen or made since this store was opened."""
        return self._changes.generation

    def refresh(self) -> bool:
        """Re-read the file if another process replaced it; True when it had changed."""
        with self._access():
            before = self._changes.generation
            if self._changes.is_new(file_signature(self.path)):
                self._storage.read()
                self._changes.observe(self._storage.signature)
            return self._changes.generation != before

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        """Call ``callback(generation)`` after each change; returns an unsubscribe function.

        Callbacks run in the thread that made or saw the change, outside the lock.
        """
        return self._changes.subscribe(callback)

    def close(self) -> None:
        """Release the database (nothing stays open between calls anyway)."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> ConfigStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- settings ------------------------------------------------------------------------

    def _table(self, name: str) -> Table:
        return self._db.table(name, cache_size=0)

    def _stored_settings(self) -> dict[str, Any]:
        document = self._table(SETTINGS).get(doc_id=1)
        return dict(document) if isinstance(document, Mapping) else {}

    @staticmethod
    def _effective(key: str, stored: Mapping[str, Any]) -> Any:
        if key in stored:
            try:
                return schema.validate(key, stored[key])
            except ConfigError as error:
                log.warning("ignoring invalid stored setting, using the default: %s", error)
        return schema.default(key)

    def get(self, key: str) -> Any:
        """Value of setting ``key`` (its default when unset)."""
        schema.setting(key)
        with self._access():
            stored = self._stored_settings()
        return self._effective(key, stored)

    def settings(self) -> dict[str, Any]:
        """Every setting key with its current value."""
        with self._access():
            stored = self._stored_settings()
        return {spec.key: self._effective(spec.key, stored) for spec in schema.SETTINGS}

    def set(self, key: str, value: Any) -> None:
        """Validate and store one setting."""
        self.update_settings({key: value})

    def update_settings(self, values: Mapping[str, Any]) -> None:
        """Validate and store several settings at once (all or nothing)."""
        checked = {key: schema.validate(key, value) for key, value in values.items()}
        with self._access(write=True):
            stored = self._stored_settings()
            current = {spec.key: self._effective(spec.key, stored) for spec in schema.SETTINGS}
            schema.check_consistency({**current, **checked})
            if all(key in stored and _same(stored[key], value) for key, value in checked.items()):
                return
            self._table(SETTINGS).upsert(Document(checked, doc_id=1))

    def reset(self, key: str) -> None:
        """Return setting ``key`` to its default."""
        schema.setting(key)
        with self._access(write=True):
            stored = self._stored_settings()
            current = {spec.key: self._effective(spec.key, stored) for spec in schema.SETTINGS}
            schema.check_consistency({**current, key: schema.default(key)})
            if key in stored:
                self._table(SETTINGS).update(delete_field(key), doc_ids=[1])

    def reset_many(self, keys: Iterable[str]) -> None:
        """Return every setting in ``keys`` to its default at once (all or nothing)."""
        wanted = list(keys)
        for key in wanted:
            schema.setting(key)
        with self._access(write=True):
            stored = self._stored_settings()
            current = {spec.key: self._effective(spec.key, stored) for spec in schema.SETTINGS}
            schema.check_consistency({**current, **{key: schema.default(key) for key in wanted}})
            present = [key for key in wanted if key in stored]
            if present:

                def drop(document: MutableMapping[str, Any]) -> None:
                    for key in present:
                        document.pop(key, None)

                self._table(SETTINGS).update(drop, doc_ids=[1])

    # -- records -------------------------------------------------------------------------

    def _documents(self, name: str) -> list[Document]:
        records.collection(name)
        return sorted(self._table(name).all(), key=lambda document: document.doc_id)

    def _document(
        self, name: str, record_id: str, documents: list[Document] | None = None
    ) -> Document:
        for document in self._documents(name) if documents is None else documents:
            if document.get("id") == record_id:
                return document
        raise NotFoundError(name, _("no record with id {id}").format(id=repr(record_id)))

    def list(self, name: str) -> list[dict[str, Any]]:
        """All records of collection ``name`` (secret fields included: see public_view)."""
        with self._access():
            documents = self._documents(name)
        return [records.with_defaults(name, document) for document in documents]

    def get_record(self, name: str, record_id: str) -> dict[str, Any]:
        """One record by id; NotFoundError when there is none."""
        with self._access():
            document = self._document(name, record_id)
        return records.with_defaults(name, document)

    # builtins.list: in the class body, the name list is the method above
    def find(self, name: str, **match: Any) -> builtins.list[dict[str, Any]]:
        """Records whose fields equal every ``match`` value exactly."""
        spec = records.collection(name)
        for field in match:
            if field != "id":
                spec.field(field)
        return [
            record
            for record in self.list(name)
            if all(_same(record.get(field), value) for field, value in match.items())
        ]

    def add(self, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and add a record; returns it with its new ``id``."""
        fields = normalise_numbers(name, fields, str(self.get("device.country_code")))
        checked = records.validate_fields(name, fields, partial=False)
        with self._access(write=True):
            documents = self._documents(name)
            records.check_unique(name, checked, documents, exclude=None)
            taken = {document.get("id") for document in documents}
            record_id = new_id()
            while record_id in taken:
                record_id = new_id()
            record = {"id": record_id, **checked}
            doc_id = max((document.doc_id for document in documents), default=0) + 1
            self._table(name).insert(Document(record, doc_id=doc_id))
        return dict(record)

    def update(self, name: str, record_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and change some fields of a record; returns the whole record."""
        fields = normalise_numbers(name, fields, str(self.get("device.country_code")))
        checked = records.validate_fields(name, fields, partial=True)
        with self._access(write=True):
            documents = self._documents(name)
            document = self._document(name, record_id, documents)
            merged = {**records.with_defaults(name, document), **checked}
            records.check_unique(name, merged, documents, exclude=record_id)
            if checked:
                self._table(name).update(checked, doc_ids=[document.doc_id])
        return merged

    def delete(self, name: str, record_id: str) -> None:
        """Remove a record; NotFoundError when there is none."""
        with self._access(write=True):
            document = self._document(name, record_id)
            self._table(name).remove(doc_ids=[document.doc_id])

    @staticmethod
    def public_view(name: str, record: Mapping[str, Any]) -> dict[str, Any]:
        """``record`` without its secret fields (see :func:`records.public_view`)."""
        return records.public_view(name, record)

    # -- passwords -----------------------------------------------------------------------

    def set_password(self, name: str, record_id: str, password: str) -> None:
        """Store a salted scrypt hash of ``password`` (never the password itself)."""
        if name not in PASSWORD_COLLECTIONS:
            raise ConfigError(name, _("records of this collection have no password"))
        check_new_password(password)
        encoded = hash_password(password)  # slow: outside the lock
        with self._access(write=True):
            document = self._document(name, record_id)
            self._table(name).update({"password_hash": encoded}, doc_ids=[document.doc_id])

    def check_password(self, name: str, record_id: str, password: str) -> bool:
        """True when ``password`` matches the record's stored hash."""
        if name not in PASSWORD_COLLECTIONS:
            raise ConfigError(name, _("records of this collection have no password"))
        encoded = self.get_record(name, record_id).get("password_hash", "")
        return verify_password(password, encoded)


def _same(left: Any, right: Any) -> bool:
    """Equal and of the same type (so True is not 1)."""
    return type(left) is type(right) and left == right
