"""The DDL real SQLAlchemy writes for the variants of the template's Base seen in forks (how `id`, `created_at`
and `updated_at` are declared), for python-template-r13-variants.test.ts. Each variant is created with
Base.metadata.create_all on a fresh SQLite database and its schema printed as sqlite_master holds it.

Usage: template_r13_variants.py > fixtures/python-template/variants.json
  "accept": litedao must accept the table (ids assigned, a current-time DEFAULT on both timestamps);
  "reject": the table is broken for any writer that leaves id/timestamps to the database.
"""
import json
import sqlite3
import tempfile

from sqlalchemy import (TIMESTAMP, BigInteger, Column, DateTime, Integer, String, UniqueConstraint, create_engine, func, text)
from sqlalchemy.orm import declarative_base

NOW = {
    "func.now()": lambda: func.now(),
    "func.current_timestamp()": lambda: func.current_timestamp(),
    "text('CURRENT_TIMESTAMP')": lambda: text("CURRENT_TIMESTAMP"),
    "text('current_timestamp')": lambda: text("current_timestamp"),
    "text(\"(datetime('now'))\")": lambda: text("(datetime('now'))"),
    "func.datetime('now')": lambda: func.datetime("now"),
    "text(\"(DATETIME('NOW'))\")": lambda: text("(DATETIME('NOW'))"),
    "func.strftime('%Y-%m-%d %H:%M:%f', 'now')": lambda: func.strftime("%Y-%m-%d %H:%M:%f", "now"),
    "text(\"(strftime('%Y-%m-%d %H:%M:%S','now'))\")": lambda: text("(strftime('%Y-%m-%d %H:%M:%S','now'))"),
}
NOT_NOW = {
    "no server_default (default=datetime.utcnow)": None,
    "text(\"'2020-01-01 00:00:00'\")": lambda: text("'2020-01-01 00:00:00'"),
    "func.unixepoch()": lambda: func.unixepoch(),
    "func.date('now')": lambda: func.date("now"),
    "text(\"(strftime('%s','now'))\")": lambda: text("(strftime('%s','now'))"),
}
TYPES = {
    "TIMESTAMP": lambda: TIMESTAMP,
    "TIMESTAMP(timezone=True)": lambda: TIMESTAMP(timezone=True),
    "DateTime": lambda: DateTime,
    "DateTime(timezone=True)": lambda: DateTime(timezone=True),
}
IDS = {
    "Integer, primary_key=True, autoincrement=True": (lambda: Column(Integer, primary_key=True, autoincrement=True), {}, "accept"),
    "Integer, primary_key=True": (lambda: Column(Integer, primary_key=True), {}, "accept"),
    "Integer + sqlite_autoincrement=True": (lambda: Column(Integer, primary_key=True), {"sqlite_autoincrement": True}, "accept"),
    "BigInteger().with_variant(Integer, 'sqlite')": (
        lambda: Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True), {}, "accept"),
    "BigInteger, primary_key=True": (lambda: Column(BigInteger, primary_key=True), {}, "reject"),
    "Integer, primary_key=True + sqlite_with_rowid=False": (
        lambda: Column(Integer, primary_key=True), {"sqlite_with_rowid": False}, "reject"),
}


def ddl(make_id, table_kw, ts_type, created_default, updated_default, nullable=True, tg=None):
    Base = declarative_base()
    kw_c = {"server_default": created_default()} if created_default else {}
    kw_u = {"server_default": updated_default()} if updated_default else {}
    attrs = {
        "__tablename__": "users",
        "__table_args__": table_kw,
        "id": make_id(),
        "created_at": Column(ts_type(), nullable=nullable, **kw_c),
        "updated_at": Column(ts_type(), nullable=nullable, onupdate=func.now(), **kw_u),
        "telegram_id": tg() if tg else Column(BigInteger, unique=True, nullable=False),
        "username": Column(String, nullable=True),
    }
    type("User", (Base,), attrs)
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as f:
        engine = create_engine(f"sqlite:///{f.name}")
        Base.metadata.create_all(engine)
        engine.dispose()
        conn = sqlite3.connect(f.name)
        rows = conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
        conn.close()
    return [r[0] for r in rows]


out = []
for id_name, (make_id, table_kw, verdict) in IDS.items():
    out.append({"name": f"id {id_name}", "expect": verdict,
                "ddl": ddl(make_id, table_kw, TYPES["TIMESTAMP"], NOW["func.now()"], NOW["func.now()"])})
for t_name, ts_type in TYPES.items():
    for n_name, now in NOW.items():
        for nullable in (True, False):
            out.append({"name": f"{t_name}, server_default={n_name}, nullable={nullable}", "expect": "accept",
                        "ddl": ddl(IDS["Integer, primary_key=True, autoincrement=True"][0], {}, ts_type, now, now,
                                   nullable)})
for n_name, not_now in NOT_NOW.items():
    out.append({"name": f"created_at TIMESTAMP, server_default={n_name}", "expect": "reject",
                "ddl": ddl(IDS["Integer, primary_key=True, autoincrement=True"][0], {}, TYPES["TIMESTAMP"], not_now,
                           NOW["func.now()"])})
    out.append({"name": f"updated_at TIMESTAMP, server_default={n_name}", "expect": "reject",
                "ddl": ddl(IDS["Integer, primary_key=True, autoincrement=True"][0], {}, TYPES["TIMESTAMP"],
                           NOW["func.now()"], not_now)})
TELEGRAM = {
    "unique=True, index=True (a UNIQUE INDEX, no constraint)": lambda: Column(BigInteger, unique=True, index=True,
                                                                           nullable=False),
    "UniqueConstraint in __table_args__": lambda: Column(BigInteger, nullable=False),
    "Integer, unique=True": lambda: Column(Integer, unique=True, nullable=False),
}
for g_name, tg in TELEGRAM.items():
    table_kw = (UniqueConstraint("telegram_id", name="uq_users_telegram_id"),) if "UniqueConstraint" in g_name else {}
    out.append({"name": f"telegram_id {g_name}", "expect": "accept",
                "ddl": ddl(IDS["Integer, primary_key=True, autoincrement=True"][0], table_kw, TYPES["TIMESTAMP"],
                           NOW["func.now()"], NOW["func.now()"], tg=tg)})
print(json.dumps(out, indent=1))
