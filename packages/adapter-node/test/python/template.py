"""The Python aiogram template's database layer (bot/dao/database.py), on SQLAlchemy 1.4 as Debian ships it.

Used by python-interop.test.ts to check that databases written by the template and by litedao are
interchangeable. SQLAlchemy 2.0's DeclarativeBase is not in Debian; declarative_base() + Column produces the
same DDL. Usage: template.py DB_PATH (create|read|rename TELEGRAM_ID NEW_NAME
                                     |notes-create JSON_ROWS|notes-read|notes-touch JSON_TITLES)

JSON_ROWS is a JSON list of {"title", "data", "due"} (due: naive UTC ISO text or null); notes-touch sets
data = {"touched": true} on the named notes through the ORM, so onupdate=func.now() writes updated_at.
"""
import asyncio
import datetime
import json
import sys

from sqlalchemy import JSON, TIMESTAMP, BigInteger, Column, Integer, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import declarative_base, declared_attr, sessionmaker


class _Base:
    __abstract__ = True

    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(TIMESTAMP, server_default=func.now())
    updated_at = Column(TIMESTAMP, server_default=func.now(), onupdate=func.now())

    @declared_attr
    def __tablename__(cls):
        return cls.__name__.lower() + "s"

    def to_dict(self):
        return {c.name: getattr(self, c.name) for c in self.__table__.columns}


Base = declarative_base(cls=_Base)


class User(Base):
    telegram_id = Column(BigInteger, unique=True, nullable=False)
    username = Column(String, nullable=True)


class Note(Base):
    title = Column(String, nullable=False)
    data = Column(JSON, nullable=True)
    due = Column(TIMESTAMP, nullable=True)


def jsonable(d):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in d.items()}


async def notes(engine, async_session_maker, op, args):
    if op == "notes-create":
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with async_session_maker() as session:
            for row in json.loads(args[0]):
                due = datetime.datetime.fromisoformat(row["due"]) if row["due"] is not None else None
                session.add(Note(title=row["title"], data=row["data"], due=due))
            await session.commit()
    elif op == "notes-touch":
        async with async_session_maker() as session:
            titles = json.loads(args[0])
            for note in (await session.execute(select(Note).where(Note.title.in_(titles)))).scalars().all():
                note.data = {"touched": True}
            await session.commit()
    async with async_session_maker() as session:
        rows = (await session.execute(select(Note).order_by(Note.id))).scalars().all()
        print(json.dumps([jsonable(n.to_dict()) for n in rows]))
    await engine.dispose()


async def main(path, op, args):
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    async_session_maker = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
    if op.startswith("notes-"):
        await notes(engine, async_session_maker, op, args)
        return
    if op == "create":
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        async with async_session_maker() as session:
            session.add(User(telegram_id=int(args[0]), username=args[1]))
            await session.commit()
    elif op == "rename":
        async with async_session_maker() as session:
            user = (await session.execute(select(User).filter_by(telegram_id=int(args[0])))).scalar_one()
            user.username = args[1]
            await session.commit()
    async with async_session_maker() as session:
        users = (await session.execute(select(User).order_by(User.id))).scalars().all()
        print(json.dumps([jsonable(u.to_dict()) for u in users]))
    await engine.dispose()


asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3:]))
