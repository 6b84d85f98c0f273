"""Real SQLAlchemy template databases for python-template-r13.test.ts (and the fixtures it reads).

The template's database layer (bot/dao/database.py: abstract Base with id / created_at / updated_at,
__tablename__ = lower + "s") plus models using BigInteger, Boolean, Enum, DateTime, Text, JSON, Float,
ForeignKey(ondelete=...), UniqueConstraint and Index, created with Base.metadata.create_all through
create_async_engine("sqlite+aiosqlite:///...") as the template does. Debian ships SQLAlchemy 1.4:
declarative_base(cls=...) + Column produces the same DDL as 2.0's DeclarativeBase + mapped_column.

Usage: template_r13.py VARIANT DB_PATH OP [ARG]
  VARIANT: plain  (the template as written: no AUTOINCREMENT, Boolean/Enum without CHECK)
           strict (sqlite_autoincrement=True, Boolean/Enum with create_constraint=True, named constraints)
  OP: create    create_all + seed rows (one row updated through the ORM so onupdate=func.now() runs)
      read      print every row of every table as JSON, read through the ORM (SQLAlchemy parses the types)
      write     through the ORM: add a user and a message, update user telegram_id=1001 (onupdate), delete
                the message with text 'to delete by python'; then print as read
      ddl       print the schema as sqlite_master holds it (type, name, sql), JSON
"""
import asyncio
import datetime
import json
import sqlite3
import sys

from sqlalchemy import (JSON, TIMESTAMP, BigInteger, Boolean, Column, DateTime, Enum, Float, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint, delete, func, select)
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, declared_attr, sessionmaker

VARIANT = sys.argv[1]
STRICT = VARIANT == "strict"
if VARIANT not in ("plain", "strict"):
    raise SystemExit("variant must be plain or strict")


class _Base:
    __abstract__ = True

    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(TIMESTAMP, server_default=func.now())
    updated_at = Column(TIMESTAMP, server_default=func.now(), onupdate=func.now())

    @declared_attr
    def __tablename__(cls):
        return cls.__name__.lower() + "s"

    @declared_attr
    def __table_args__(cls):
        extra = getattr(cls, "_table_args", ())
        return (*extra, {"sqlite_autoincrement": True}) if STRICT else extra

    def to_dict(self):
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


Base = declarative_base(cls=_Base)


class User(Base):
    telegram_id = Column(BigInteger, unique=True, nullable=False)
    username = Column(String, nullable=True)
    first_name = Column(String, nullable=True)
    last_name = Column(String, nullable=True)
    is_admin = Column(Boolean(create_constraint=STRICT, name="ck_users_is_admin" if STRICT else None),
                      default=False, nullable=False)
    language = Column(Enum("en", "ru", "de", name="language", create_constraint=STRICT), default="en", nullable=False)


class Profile(Base):
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False)
    bio = Column(Text, nullable=True)
    settings = Column(JSON, nullable=True)
    birthday = Column(DateTime, nullable=True)
    rating = Column(Float, nullable=True)


class Category(Base):
    name = Column(String(64), unique=True, nullable=False)


class Message(Base):
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    category_id = Column(Integer, ForeignKey("categorys.id", ondelete="RESTRICT"), nullable=True)
    chat_id = Column(BigInteger, nullable=False, index=True)
    text = Column(Text, nullable=False)
    sent_at = Column(DateTime, nullable=False)
    is_read = Column(Boolean(create_constraint=STRICT, name="ck_messages_is_read" if STRICT else None),
                     default=False, nullable=False)
    _table_args = (
        UniqueConstraint("chat_id", "sent_at", name="uq_messages_chat_sent" if STRICT else None),
        Index("ix_messages_user_read", "user_id", "is_read"),
    )


MODELS = [User, Profile, Category, Message]


def jsonable(v):
    if isinstance(v, datetime.datetime):
        return {"datetime": v.isoformat()}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": v}
    if v is None:
        return None
    if isinstance(v, str):
        return {"str": v}
    return {"json": v}


async def dump(session):
    out = {}
    for m in MODELS:
        rows = (await session.execute(select(m).order_by(m.id))).scalars().all()
        out[m.__tablename__] = [{k: jsonable(v) for k, v in r.to_dict().items()} for r in rows]
    return out


async def create(engine, maker):
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    async with maker() as session:
        ada = User(telegram_id=1001, username="ada", first_name="Ada", language="en", is_admin=True)
        big = User(telegram_id=9007199254740993, username=None, first_name="Big", language="ru")
        neg = User(telegram_id=-5, username="neg", first_name=None, language="de")
        session.add_all([ada, big, neg])
        await session.flush()
        cat = Category(name="news")
        session.add(cat)
        await session.flush()
        session.add_all([
            Profile(user_id=ada.id, bio="Mathematician\nпоэт ✓", settings={"theme": "dark", "n": [1, 2.5, None],
                    "nested": {"ok": True}}, birthday=datetime.datetime(1815, 12, 10, 9, 30, 0, 123456),
                    rating=4.75),
            Profile(user_id=big.id, bio=None, settings=None, birthday=None, rating=None),
            Profile(user_id=neg.id, bio="", settings=[], birthday=datetime.datetime(2000, 2, 29), rating=-0.5),
        ])
        session.add_all([
            Message(user_id=ada.id, category_id=cat.id, chat_id=-1001234567890123, text="hello",
                    sent_at=datetime.datetime(2026, 1, 2, 3, 4, 5, 678901), is_read=True),
            Message(user_id=big.id, category_id=None, chat_id=42, text="to delete by litedao",
                    sent_at=datetime.datetime(2026, 1, 2, 3, 4, 6), is_read=False),
            Message(user_id=None, category_id=cat.id, chat_id=42, text="to delete by python",
                    sent_at=datetime.datetime(2026, 1, 2, 3, 4, 7), is_read=False),
        ])
        await session.commit()
    # onupdate=func.now(): an ORM update writes updated_at = CURRENT_TIMESTAMP
    async with maker() as session:
        u = (await session.execute(select(User).where(User.telegram_id == -5))).scalar_one()
        u.username = "neg_updated"
        await session.commit()


async def write(maker):
    async with maker() as session:
        session.add(User(telegram_id=777, username="py_after", language="de"))
        u = (await session.execute(select(User).where(User.telegram_id == 1001))).scalar_one()
        u.first_name = "Ada (python)"
        await session.execute(delete(Message).where(Message.text == "to delete by python"))
        session.add(Message(user_id=u.id, chat_id=5, text="python after litedao",
                            sent_at=datetime.datetime(2026, 3, 4, 5, 6, 7, 1), is_read=True))
        await session.commit()


async def main(path, op):
    if op == "ddl":
        conn = sqlite3.connect(path)
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                            " ORDER BY type DESC, name").fetchall()
        print(json.dumps([{"type": r[0], "name": r[1], "table": r[2], "sql": r[3]} for r in rows], indent=1))
        return
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    maker = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    if op == "create":
        await create(engine, maker)
    elif op == "write":
        await write(maker)
    elif op != "read":
        raise SystemExit(f"unknown op {op}")
    async with maker() as session:
        print(json.dumps(await dump(session), indent=1, ensure_ascii=False))
    await engine.dispose()


asyncio.run(main(sys.argv[2], sys.argv[3]))
