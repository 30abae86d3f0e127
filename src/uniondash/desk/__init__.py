"""The data desk (`/desk`): staff sign in, upload figures, review the diff, approve and publish, with history.

Rooms:
- `store.py` — the database (SQLAlchemy Core; SQLite by default, PostgreSQL by URL), its Alembic migrations
  (`migrations/`), and every read and write the desk makes: accounts, sessions, changes, versions, audit.
- `accounts.py` — passwords (argon2) and the rules for names and roles.
- `permissions.py` — the one function that answers "may this actor do this action on this resource?".
- `datasets.py` — a data set as files: read, validate, compare, zip with its datapackage.json, materialise.
- `changes.py` — an upload turned into a draft (the intake's `plan_import`, never a second importer).
- `follower.py` — each host keeps its data folder at the published version.
- `web.py` — the Flask blueprint: thin routes over the above. Public pages never import this package;
  only the app factory registers it, when the desk is enabled.
"""
