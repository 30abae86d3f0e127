"""The desk's database: accounts, sessions, changes, published versions, the audit log, settings.

SQLAlchemy Core over SQLite (one file, WAL: `make run` needs nothing else) or PostgreSQL
(`UNIONDASH_DATABASE_URL=postgresql+psycopg://…`, several hosts). The schema is made by the Alembic
migrations shipped in `migrations/`, run when the store opens (under a lock: the first process migrates,
the others wait) or by `uniondash desk migrate`.

What makes publishing safe:
- A version is one row (number, who, when, note, diff, the names and hashes of its files) plus its files
  as content-addressed blobs, written in ONE transaction with the change's approval and the audit entry.
  A process killed at any moment has either committed all of it or nothing: the history says which.
- The published version is the highest number. Two approvals at once both try to insert the same next
  number: the database lets one in, the other gets `DeskConflict` (and so does an approval of a change
  prepared on an older version: it would silently undo the other's figures).
- Rollback publishes an earlier version's files as a NEW version; nothing is ever updated or deleted in
  `versions` or `audit` (the migration adds triggers that refuse it, on SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from uniondash.desk.permissions import Actor
from uniondash.errors import UniondashError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ENV_DATABASE_URL = "UNIONDASH_DATABASE_URL"
SQLITE_NAME = "desk.sqlite3"
# A session unused for this long ends (UNIONDASH_DESK_IDLE_HOURS).
DEFAULT_IDLE_SECONDS = 8 * 3600
# last_seen is written at most this often per session: a page view is not a database write.
TOUCH_EVERY = 60.0

metadata = sa.MetaData()

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.Float, nullable=False),
)
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(64), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
)
blobs = sa.Table(
    "blobs",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
versions = sa.Table(
    "versions",
    metadata,
    sa.Column("number", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # shipped | publish | rollback | cli-import
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("change_id", sa.Integer, nullable=True),
    sa.Column("rollback_of", sa.Integer, nullable=True),
    sa.Column("submitted_by", sa.String(64), nullable=True),
    sa.Column("self_approved", sa.Boolean, nullable=False, default=False),
    sa.Column("files", sa.Text, nullable=False),  # JSON: file stem → sha256 of its bytes
    sa.Column("diff", sa.Text, nullable=False),  # JSON: datasets.compare_sets against the version before
)
changes = sa.Table(
    "changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("author", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column(
        "status", sa.String(16), nullable=False
    ),  # invalid | review | draft | submitted | approved | rejected | withdrawn
    sa.Column("base_version", sa.Integer, nullable=False),
    sa.Column("source_kind", sa.String(16), nullable=False),  # workbook | report
    sa.Column("upload_name", sa.String(120), nullable=False),  # shown only, never used as a path
    sa.Column("upload_sha", sa.String(64), nullable=False),
    sa.Column("files", sa.Text, nullable=True),  # JSON: the draft data set, file stem → sha256
    sa.Column("plan", sa.Text, nullable=False),  # JSON: the diff or the problems (changes.py)
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("submitted_at", sa.Float, nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", sa.Float, nullable=True),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("version", sa.Integer, nullable=True),
)
audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(64), nullable=False, default=""),
    sa.Column("detail", sa.Text, nullable=False, default=""),
)
settings_table = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


class DeskError(UniondashError):
    """A desk action that cannot be done; `zh`/`en` say why, for the page in either language."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(en)

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class DeskConflict(DeskError):
    """Someone else acted first (two approvals, a change prepared on an older version)."""


class DeskUnavailable(DeskError):
    """The database cannot be reached: the public site keeps serving, nothing can be published."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    disabled: bool
    created_at: float
    password_hash: str


@dataclass(frozen=True)
class Version:
    number: int
    created_at: float
    actor: str
    kind: str
    note: str
    change_id: int | None
    rollback_of: int | None
    submitted_by: str | None
    self_approved: bool
    files: dict[str, str]
    diff: dict[str, Any]


@dataclass(frozen=True)
class Change:
    id: int
    author: str
    created_at: float
    status: str
    base_version: int
    source_kind: str
    upload_name: str
    upload_sha: str
    files: dict[str, str] | None
    plan: dict[str, Any]
    note: str
    submitted_at: float | None
    decided_by: str | None
    decided_at: float | None
    reason: str
    version: int | None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def token_hash(token: str) -> str:
    """Sessions are stored by the hash of their token: a copy of the database signs nobody in."""
    return hashlib.sha256(token.encode()).hexdigest()


def database_url(data_dir: Path, environ: Mapping[str, str]) -> str:
    """$UNIONDASH_DATABASE_URL, else a SQLite file beside the data folder (`desk.sqlite3`)."""
    url = environ.get(ENV_DATABASE_URL, "").strip()
    return url or f"sqlite:///{Path(data_dir).resolve().parent / SQLITE_NAME}"


def make_engine(url: str) -> Engine:
    """An engine; SQLite in WAL mode with write transactions that take the lock at BEGIN (no upgrade deadlock)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy's BEGIN below, not the driver's
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Connection) -> None:
            # Reads take no lock in WAL mode; a write transaction takes the write lock at once.
            readonly = connection.get_execution_options().get("readonly")
            connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    # Short connect timeout: an unreachable database must not hang a request (the desk says so instead).
    connect_args = {"connect_timeout": 3} if url.startswith("postgresql") else {}
    return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """One process migrates at a time: an advisory lock on PostgreSQL, a file lock beside a SQLite file."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT pg_advisory_lock(2701)")
            try:
                yield
            finally:
                connection.exec_driver_sql("SELECT pg_advisory_unlock(2701)")
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic, shipped in the package)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with _migration_lock(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _now() -> float:
    return time.time()


class DeskStore:
    """Every read and write of the desk, each in one transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, run_migrations: bool = True) -> DeskStore:
        store = cls(make_engine(url))
        if run_migrations:
            store.guarded(lambda: migrate(store.engine))
        return store

    def close(self) -> None:
        self.engine.dispose()

    def guarded(self, work: Any) -> Any:
        """`work()`, with a database that cannot be reached turned into `DeskUnavailable`."""
        try:
            return work()
        except DeskError:
            raise
        except (SQLAlchemyError, OSError) as error:
            if isinstance(error, IntegrityError):
                raise
            raise DeskUnavailable(
                "数据库无法连接：公开网站继续显示已发布的数据，但现在不能发布",
                f"the database cannot be reached ({type(error).__name__}): the public site keeps serving the "
                "published data, but nothing can be published now",
            ) from error

    @contextmanager
    def _tx(self, *, readonly: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                if readonly:
                    connection = connection.execution_options(readonly=True)
                with connection.begin():
                    yield connection
        except (DeskError, IntegrityError):
            raise
        except SQLAlchemyError as error:
            raise DeskUnavailable(
                "数据库无法连接：公开网站继续显示已发布的数据，但现在不能发布",
                f"the database cannot be reached ({type(error).__name__}): the public site keeps serving the "
                "published data, but nothing can be published now",
            ) from error

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False

    # -- settings ----------------------------------------------------------------------------------

    def setting(self, key: str, default: str = "") -> str:
        with self._tx(readonly=True) as connection:
            value = connection.execute(
                sa.select(settings_table.c.value).where(settings_table.c.key == key)
            ).scalar_one_or_none()
        return default if value is None else str(value)

    def set_setting(self, key: str, value: str, actor: str) -> None:
        with self._tx() as connection:
            found = connection.execute(sa.select(settings_table.c.key).where(settings_table.c.key == key)).first()
            if found:
                connection.execute(settings_table.update().where(settings_table.c.key == key).values(value=value))
            else:
                connection.execute(settings_table.insert().values(key=key, value=value))
            self._audit(connection, actor, "setting", key, value)

    def secret_key(self) -> str:
        """The key that signs session cookies and CSRF tokens, made once and shared by every worker and host."""
        with self._tx() as connection:
            value = connection.execute(
                sa.select(settings_table.c.value).where(settings_table.c.key == "secret_key")
            ).scalar_one_or_none()
            if value is None:
                value = secrets.token_hex(32)
                connection.execute(settings_table.insert().values(key="secret_key", value=value))
        return str(value)

    def two_person_rule(self) -> bool:
        return self.setting("two_person_rule", "on") != "off"

    # -- accounts and sessions ---------------------------------------------------------------------

    def add_user(self, name: str, role: str, password_hash: str, by: str) -> None:
        with self._tx() as connection:
            if connection.execute(sa.select(users.c.id).where(users.c.name == name)).first():
                raise DeskError(f"账户 {name} 已存在", f"account {name} already exists")
            connection.execute(
                users.insert().values(
                    name=name, role=role, password_hash=password_hash, disabled=False, created_at=_now()
                )
            )
            self._audit(connection, by, "user-add", name, f"role={role}")

    def user(self, name: str) -> User | None:
        with self._tx(readonly=True) as connection:
            row = connection.execute(sa.select(users).where(users.c.name == name)).mappings().first()
        return None if row is None else _record(User, row)

    def users(self) -> list[User]:
        with self._tx(readonly=True) as connection:
            rows = connection.execute(sa.select(users).order_by(users.c.name)).mappings().all()
        return [_record(User, row) for row in rows]

    def set_password(self, name: str, password_hash: str, by: str) -> None:
        with self._tx() as connection:
            done = connection.execute(users.update().where(users.c.name == name).values(password_hash=password_hash))
            if done.rowcount != 1:
                raise DeskError(f"没有账户 {name}", f"no account {name}")
            connection.execute(sessions.delete().where(sessions.c.user_name == name))  # signed out everywhere
            self._audit(connection, by, "user-passwd", name, "")

    def set_disabled(self, name: str, disabled: bool, by: str) -> None:
        with self._tx() as connection:
            done = connection.execute(users.update().where(users.c.name == name).values(disabled=disabled))
            if done.rowcount != 1:
                raise DeskError(f"没有账户 {name}", f"no account {name}")
            if disabled:
                connection.execute(sessions.delete().where(sessions.c.user_name == name))
            self._audit(connection, by, "user-disable" if disabled else "user-enable", name, "")

    def start_session(self, name: str) -> str:
        """A new random session token for `name` (a fresh one at every sign-in: no fixation)."""
        token = secrets.token_urlsafe(32)
        now = _now()
        with self._tx() as connection:
            connection.execute(
                sessions.insert().values(token_hash=token_hash(token), user_name=name, created_at=now, last_seen=now)
            )
            # Sessions idle for a week are gone for good (a bounded table).
            connection.execute(sessions.delete().where(sessions.c.last_seen < now - 7 * 24 * 3600))
            self._audit(connection, name, "sign-in", name, "")
        return token

    def session_actor(self, token: str, idle_seconds: float, *, now: float | None = None) -> Actor | None:
        """The signed-in account of a session token, or None (unknown, idle too long, account disabled)."""
        now = _now() if now is None else now
        key = token_hash(token)
        with self._tx() as connection:
            row = (
                connection.execute(
                    sa.select(sessions.c.last_seen, users.c.name, users.c.role, users.c.disabled)
                    .join(users, users.c.name == sessions.c.user_name)
                    .where(sessions.c.token_hash == key)
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            if row["disabled"] or now - row["last_seen"] > idle_seconds:
                connection.execute(sessions.delete().where(sessions.c.token_hash == key))
                return None
            if now - row["last_seen"] > TOUCH_EVERY:
                connection.execute(sessions.update().where(sessions.c.token_hash == key).values(last_seen=now))
        return Actor(row["name"], row["role"])

    def end_session(self, token: str, name: str) -> None:
        with self._tx() as connection:
            connection.execute(sessions.delete().where(sessions.c.token_hash == token_hash(token)))
            self._audit(connection, name, "sign-out", name, "")

    def record(self, actor: str, action: str, target: str = "", detail: str = "") -> None:
        """An audit entry on its own (a refused sign-in, a download)."""
        with self._tx() as connection:
            self._audit(connection, actor, action, target, detail)

    # -- blobs -------------------------------------------------------------------------------------

    def _put_blobs(self, connection: Connection, files: Mapping[str, bytes]) -> dict[str, str]:
        hashes = {name: sha256(data) for name, data in files.items()}
        known = set(
            connection.execute(sa.select(blobs.c.sha256).where(blobs.c.sha256.in_(set(hashes.values())))).scalars()
        )
        for name, digest in hashes.items():
            if digest not in known:
                # Another process may store the same bytes at the same moment: the first one's row stands.
                connection.execute(
                    _insert_ignoring_duplicates(connection, blobs).values(
                        sha256=digest, size=len(files[name]), data=files[name]
                    )
                )
                known.add(digest)
        return hashes

    def blob(self, digest: str) -> bytes:
        with self._tx(readonly=True) as connection:
            data = connection.execute(sa.select(blobs.c.data).where(blobs.c.sha256 == digest)).scalar_one_or_none()
        if data is None:
            raise DeskError("数据库中缺少文件内容", f"stored file {digest[:12]} is missing from the database")
        return bytes(data)

    def files(self, hashes: Mapping[str, str]) -> dict[str, bytes]:
        with self._tx(readonly=True) as connection:
            rows = connection.execute(
                sa.select(blobs.c.sha256, blobs.c.data).where(blobs.c.sha256.in_(set(hashes.values())))
            ).all()
        found = {digest: bytes(data) for digest, data in rows}
        missing = [name for name, digest in hashes.items() if digest not in found]
        if missing:
            raise DeskError("数据库中缺少文件内容", f"stored files missing from the database: {', '.join(missing)}")
        for name, digest in hashes.items():  # what was stored is what comes back
            if sha256(found[digest]) != digest:
                raise DeskError("数据库中的文件已损坏", f"stored file {name} does not match its hash")
        return {name: found[digest] for name, digest in hashes.items()}

    # -- versions ----------------------------------------------------------------------------------

    def published(self) -> Version | None:
        with self._tx(readonly=True) as connection:
            row = connection.execute(sa.select(versions).order_by(versions.c.number.desc()).limit(1)).mappings().first()
        return None if row is None else _record(Version, row)

    def published_number(self) -> int | None:
        with self._tx(readonly=True) as connection:
            return connection.execute(sa.select(sa.func.max(versions.c.number))).scalar_one_or_none()

    def version(self, number: int) -> Version | None:
        with self._tx(readonly=True) as connection:
            row = connection.execute(sa.select(versions).where(versions.c.number == number)).mappings().first()
        return None if row is None else _record(Version, row)

    def versions(self) -> list[Version]:
        with self._tx(readonly=True) as connection:
            rows = connection.execute(sa.select(versions).order_by(versions.c.number.desc())).mappings().all()
        return [_record(Version, row) for row in rows]

    def ensure_first_version(self, files: Mapping[str, bytes]) -> int:
        """The data folder as version 1 if there is no version yet (the shipped data/); the published number."""
        with self._tx() as connection:
            current = connection.execute(sa.select(sa.func.max(versions.c.number))).scalar_one_or_none()
            if current is not None:
                return int(current)
            hashes = self._put_blobs(connection, files)
            try:
                with connection.begin_nested():
                    connection.execute(
                        versions.insert().values(
                            number=1,
                            created_at=_now(),
                            actor="system",
                            kind="shipped",
                            note="the data folder when the desk first started",
                            files=json.dumps(hashes, sort_keys=True),
                            diff=json.dumps({}),
                            self_approved=False,
                        )
                    )
            except IntegrityError:
                return 1  # another process made version 1 at the same moment
            self._audit(connection, "system", "version-1", "1", "the data folder when the desk first started")
        return 1

    def publish(
        self,
        files: Mapping[str, bytes],
        diff: Mapping[str, Any],
        *,
        actor: str,
        kind: str,
        note: str,
        expected_base: int,
        rollback_of: int | None = None,
        extra_audit: str = "",
    ) -> int:
        """A new published version on top of `expected_base` (rollback, CLI import); `DeskConflict` if it moved."""
        try:
            with self._tx() as connection:
                number = self._insert_version(
                    connection,
                    files,
                    diff,
                    actor=actor,
                    kind=kind,
                    note=note,
                    expected_base=expected_base,
                    rollback_of=rollback_of,
                )
                self._audit(connection, actor, kind, str(number), extra_audit or note)
        except IntegrityError as error:
            raise _lost_race() from error
        return number

    def _insert_version(
        self,
        connection: Connection,
        files: Mapping[str, bytes],
        diff: Mapping[str, Any],
        *,
        actor: str,
        kind: str,
        note: str,
        expected_base: int,
        change_id: int | None = None,
        rollback_of: int | None = None,
        submitted_by: str | None = None,
        self_approved: bool = False,
    ) -> int:
        current = connection.execute(sa.select(sa.func.max(versions.c.number))).scalar_one_or_none() or 0
        if current != expected_base:
            raise DeskConflict(
                f"数据已更新到第 {current} 版（这项修改基于第 {expected_base} 版）：请重新核对后再提交",
                f"the published data is now version {current} (this was prepared on version {expected_base}): "
                "check it again against the new version",
            )
        hashes = self._put_blobs(connection, files)
        connection.execute(
            versions.insert().values(
                number=current + 1,
                created_at=_now(),
                actor=actor,
                kind=kind,
                note=note,
                change_id=change_id,
                rollback_of=rollback_of,
                submitted_by=submitted_by,
                self_approved=self_approved,
                files=json.dumps(hashes, sort_keys=True),
                diff=json.dumps(diff, ensure_ascii=False, sort_keys=True),
            )
        )
        return int(current + 1)

    # -- changes -----------------------------------------------------------------------------------

    def create_change(
        self,
        *,
        author: str,
        base_version: int,
        source_kind: str,
        upload_name: str,
        upload: bytes,
        files: Mapping[str, bytes] | None,
        plan: Mapping[str, Any],
    ) -> int:
        with self._tx() as connection:
            stored = self._put_blobs(connection, {"upload": upload, **(files or {})})
            hashes = {name: digest for name, digest in stored.items() if name != "upload"}
            result = connection.execute(
                changes.insert().values(
                    author=author,
                    created_at=_now(),
                    status="draft" if files is not None else ("review" if plan.get("review") else "invalid"),
                    base_version=base_version,
                    source_kind=source_kind,
                    upload_name=upload_name,
                    upload_sha=stored["upload"],
                    files=json.dumps(hashes, sort_keys=True) if files is not None else None,
                    plan=json.dumps(plan, ensure_ascii=False),
                    note="",
                    reason="",
                )
            )
            inserted = result.inserted_primary_key
            assert inserted is not None
            change_id = int(inserted[0])
            self._audit(
                connection,
                author,
                "upload",
                str(change_id),
                f"{source_kind} {upload_name!r} on version {base_version}" + ("" if files is not None else ", refused"),
            )
        return change_id

    def change(self, change_id: int) -> Change | None:
        with self._tx(readonly=True) as connection:
            row = connection.execute(sa.select(changes).where(changes.c.id == change_id)).mappings().first()
        return None if row is None else _record(Change, row)

    def changes(self, limit: int = 200) -> list[Change]:
        with self._tx(readonly=True) as connection:
            rows = connection.execute(sa.select(changes).order_by(changes.c.id.desc()).limit(limit)).mappings().all()
        return [_record(Change, row) for row in rows]

    def _move(
        self,
        connection: Connection,
        change_id: int,
        before: tuple[str, ...],
        values: Mapping[str, Any],
        *,
        files: str | None = None,
    ) -> None:
        """Move a change from one of the `before` states (and, with `files`, only while it holds exactly those
        files); `DeskConflict` naming its state otherwise."""
        condition = [changes.c.id == change_id, changes.c.status.in_(before)]
        if files is not None:
            condition.append(changes.c.files == files)
        done = connection.execute(changes.update().where(*condition).values(**values))
        if done.rowcount != 1:
            row = connection.execute(sa.select(changes.c.status, changes.c.decided_by).where(changes.c.id == change_id))
            found = row.first()
            status, by = (found[0], found[1]) if found else ("missing", None)
            if status in before:  # the state is right, the data is not what was checked
                raise DeskConflict(
                    "这项修改的数据在核对之后变了：请刷新页面重新核对，操作未执行",
                    "this change's data is not what was checked: reload the page and check it again; nothing was done",
                )
            who_zh, who_en = (f"（{by}）", f" (by {by})") if by else ("", "")
            raise DeskConflict(
                f"这项修改的状态已变为“{status}”{who_zh}，操作未执行",
                f"this change is now '{status}'{who_en}; nothing was done",
            )

    def save_review(
        self, change_id: int, actor: str, files: Mapping[str, bytes] | None, plan: Mapping[str, Any]
    ) -> None:
        """A report's review done: with `files` the change becomes a draft (its diff in `plan`); without, it
        stays under review with the reviewer's decisions and the problems found (`plan`)."""
        with self._tx() as connection:
            values: dict[str, Any] = {"plan": json.dumps(plan, ensure_ascii=False)}
            if files is not None:
                stored = self._put_blobs(connection, dict(files))
                values |= {"status": "draft", "files": json.dumps(stored, sort_keys=True)}
            self._move(connection, change_id, ("review",), values)
            kept = sum(decision != "drop" for decision in plan.get("decisions", []))
            self._audit(
                connection, actor, "review", str(change_id), f"{kept} rows kept" + ("" if files else ", with problems")
            )

    def submit(self, change_id: int, actor: str, note: str) -> None:
        with self._tx() as connection:
            self._move(connection, change_id, ("draft",), {"status": "submitted", "note": note, "submitted_at": _now()})
            self._audit(connection, actor, "submit", str(change_id), note)

    def withdraw(self, change_id: int, actor: str) -> None:
        with self._tx() as connection:
            self._move(connection, change_id, ("review", "draft", "submitted", "invalid"), {"status": "withdrawn"})
            self._audit(connection, actor, "withdraw", str(change_id), "")

    def reject(self, change_id: int, actor: str, reason: str) -> None:
        with self._tx() as connection:
            self._move(
                connection,
                change_id,
                ("submitted",),
                {"status": "rejected", "decided_by": actor, "decided_at": _now(), "reason": reason},
            )
            self._audit(connection, actor, "reject", str(change_id), reason)

    def approve(self, change: Change, actor: str, diff: Mapping[str, Any]) -> int:
        """Publish a submitted change as the next version, in one transaction; the new version's number.

        Exactly what the caller checked and diffed is published: the change must still hold `change.files`
        when the transaction moves it (else `DeskConflict`), and the two-person rule is read inside it, so a
        switch of the rule at the same moment is either before this approval or after it, never half."""
        if change.files is None:
            raise DeskError("这项修改没有可发布的数据", "this change has no data to publish")
        self_approved = change.author == actor
        try:
            with self._tx() as connection:
                rule = connection.execute(
                    sa.select(settings_table.c.value).where(settings_table.c.key == "two_person_rule")
                ).scalar_one_or_none()
                if self_approved and rule != "off":
                    raise DeskError(
                        "双人规则：不能批准自己提交的修改", "two-person rule: you cannot approve your own change"
                    )
                self._move(
                    connection,
                    change.id,
                    ("submitted",),
                    {"status": "approved", "decided_by": actor, "decided_at": _now()},
                    files=json.dumps(change.files, sort_keys=True),
                )
                files = self._files_in(connection, change.files)
                number = self._insert_version(
                    connection,
                    files,
                    diff,
                    actor=actor,
                    kind="publish",
                    note=change.note,
                    expected_base=change.base_version,
                    change_id=change.id,
                    submitted_by=change.author,
                    self_approved=self_approved,
                )
                connection.execute(changes.update().where(changes.c.id == change.id).values(version=number))
                detail = f"change {change.id} by {change.author} published as version {number}"
                if self_approved:
                    detail += "; approved by its own author: the two-person rule is off"
                self._audit(connection, actor, "approve", str(change.id), detail)
        except IntegrityError as error:
            raise _lost_race() from error
        return number

    def _files_in(self, connection: Connection, hashes: Mapping[str, str]) -> dict[str, bytes]:
        rows = connection.execute(
            sa.select(blobs.c.sha256, blobs.c.data).where(blobs.c.sha256.in_(set(hashes.values())))
        ).all()
        found = {digest: bytes(data) for digest, data in rows}
        return {name: found[digest] for name, digest in hashes.items()}

    # -- audit -------------------------------------------------------------------------------------

    @staticmethod
    def _audit(connection: Connection, actor: str, action: str, target: str, detail: str) -> None:
        connection.execute(
            audit.insert().values(at=_now(), actor=actor, action=action, target=target, detail=detail[:2000])
        )

    def audit_rows(self, limit: int | None = None) -> list[dict[str, Any]]:
        with self._tx(readonly=True) as connection:
            query = sa.select(audit).order_by(audit.c.id.desc())
            if limit:
                query = query.limit(limit)
            return [dict(row) for row in connection.execute(query).mappings().all()]

    def audit_csv(self) -> bytes:
        """The whole audit log, oldest first, as CSV (UTF-8 with BOM: Excel opens it with the Chinese intact)."""
        from uniondash.desk.datasets import cell, shanghai_time

        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["id", "at_utc", "at_shanghai", "actor", "action", "target", "detail"])
        for row in reversed(self.audit_rows()):
            writer.writerow(
                [
                    row["id"],
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["at"])),
                    shanghai_time(row["at"]),
                    *(cell(str(row[key])) for key in ("actor", "action", "target", "detail")),
                ]
            )
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")


if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_T = TypeVar("_T", bound="DataclassInstance")
JSON_COLUMNS = frozenset({"files", "diff", "plan"})


def _record(kind: type[_T], row: Any) -> _T:
    """A row of `versions`, `changes` or `users` as its dataclass: its JSON columns decoded (an empty one is
    None), its flags as booleans."""
    values = {}
    for column in fields(kind):
        value = row[column.name]
        if column.name in JSON_COLUMNS:
            value = json.loads(value) if value else None
        elif column.type in ("bool", bool):
            value = bool(value)
        values[column.name] = value
    return kind(**values)


def _insert_ignoring_duplicates(connection: Connection, table: sa.Table) -> Any:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def _lost_race() -> DeskConflict:
    return DeskConflict(
        "另一项发布刚刚完成：请刷新页面查看最新版本",
        "another publication was just made: reload the page to see the newest version",
    )
