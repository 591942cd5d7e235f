"""SQLAlchemy 1.4 (psycopg2): metadata.create_all of a realistic model,
reflection through inspect(engine) compared with what SQLAlchemy reports
against PostgreSQL 15 (the expectations below; TRIODE_TEST_TARGET=postgres
checks them), and ORM CRUD with joins.

Every table name carries a per-test prefix, so the tests share the session
node without clashing."""

import datetime
import decimal
import uuid

import pytest

from conftest import TARGET, unique_name

sa = pytest.importorskip(
    "sqlalchemy", reason="python3-sqlalchemy is not installed (scripts/deps.sh)")
from sqlalchemy.dialects import postgresql as pg  # noqa: E402
from sqlalchemy import orm  # noqa: E402

# 1.4 warns about 2.0 changes (the backref cascade of Order(customer=...)).
pytestmark = pytest.mark.filterwarnings(
    "ignore::sqlalchemy.exc.SADeprecationWarning")


def engine(node, **kw):
    url = "postgresql+psycopg2://%s:%s@127.0.0.1:%d/%s?sslmode=require" % (
        node.user, node.password, node.port, node.dbname)
    return sa.create_engine(url, **kw)


def shop_model(p, client_keys=False):
    """Declarative classes for tables named <p>_*.  client_keys: integer
    primary keys the application assigns (no serial, no identity), for
    inserts that need neither RETURNING nor nextval()."""
    Base = orm.declarative_base()
    auto = {"autoincrement": False} if client_keys else {}

    def ident(always):
        return () if client_keys else (sa.Identity(always=always),)

    class Customer(Base):
        __tablename__ = p + "_customers"
        id = sa.Column(sa.BigInteger, primary_key=True, **auto)
        email = sa.Column(sa.String(120), nullable=False, unique=True)
        name = sa.Column(sa.Text)
        active = sa.Column(sa.Boolean, nullable=False,
                           server_default=sa.true())
        balance = sa.Column(sa.Numeric(10, 2), server_default="0")
        created_at = sa.Column(sa.DateTime(timezone=True), nullable=False,
                               server_default=sa.func.now())
        orders = orm.relationship("Order", back_populates="customer")

    class Product(Base):
        __tablename__ = p + "_products"
        id = sa.Column(sa.Integer, *ident(False), primary_key=True, **auto)
        sku = sa.Column(sa.String(32), nullable=False)
        title = sa.Column(sa.String(200), nullable=False)
        price = sa.Column(sa.Numeric(10, 2), nullable=False)
        weight = sa.Column(sa.Float)
        released = sa.Column(sa.Date)
        attrs = sa.Column(pg.JSONB)
        meta = sa.Column(sa.JSON)
        image = sa.Column(sa.LargeBinary)
        token = sa.Column(pg.UUID(as_uuid=True))
        __table_args__ = (
            sa.UniqueConstraint("sku", name=p + "_uq_sku"),
            sa.Index(p + "_ix_title_price", "title", "price"),
        )

    class Order(Base):
        __tablename__ = p + "_orders"
        id = sa.Column(sa.Integer, primary_key=True, **auto)
        customer_id = sa.Column(sa.BigInteger,
                                sa.ForeignKey(p + "_customers.id"),
                                nullable=False, index=True)
        placed_at = sa.Column(sa.DateTime, nullable=False)
        status = sa.Column(sa.String(16), nullable=False,
                           server_default="new")
        note = sa.Column(sa.Text, nullable=True)
        customer = orm.relationship("Customer", back_populates="orders")
        lines = orm.relationship("OrderLine", back_populates="order",
                                 cascade="all, delete-orphan")

    class OrderLine(Base):
        __tablename__ = p + "_order_lines"
        order_id = sa.Column(sa.Integer,
                             sa.ForeignKey(p + "_orders.id",
                                           ondelete="CASCADE",
                                           name=p + "_fk_order"),
                             primary_key=True)
        line_no = sa.Column(sa.SmallInteger, primary_key=True)
        product_id = sa.Column(sa.Integer, sa.ForeignKey(p + "_products.id"),
                               nullable=False)
        qty = sa.Column(sa.Integer, nullable=False, server_default="1")
        order = orm.relationship("Order", back_populates="lines")
        product = orm.relationship("Product")
        __table_args__ = (
            sa.Index(p + "_ix_product", "product_id"),
            sa.UniqueConstraint("order_id", "product_id",
                                name=p + "_uq_line"),
        )

    class Tag(Base):
        __tablename__ = p + "_tags"
        id = sa.Column(sa.Integer, *ident(True), primary_key=True, **auto)
        label = sa.Column(sa.String(40), nullable=False)
        __table_args__ = (sa.Index(p + "_ix_label", "label", unique=True),)

    # Configure now, while every class is alive: SQLAlchemy configures
    # all registries together, and a half-collected model of an earlier
    # test would fail to resolve its relationships' class names.
    orm.configure_mappers()
    return Base, Customer, Product, Order, OrderLine, Tag


def identity(always, maxvalue):
    return {"always": always, "start": 1, "increment": 1, "minvalue": 1,
            "maxvalue": maxvalue, "cache": 1, "cycle": False}


def expected_columns(p):
    """get_columns as SQLAlchemy 1.4 reports it against PostgreSQL 15:
    table -> [(name, type, nullable, default, autoincrement, identity)]."""
    return {
        p + "_customers": [
            ("id", "BIGINT()", False,
             "nextval('%s_customers_id_seq'::regclass)" % p, True, None),
            ("email", "VARCHAR(length=120)", False, None, False, None),
            ("name", "TEXT()", True, None, False, None),
            ("active", "BOOLEAN()", False, "true", False, None),
            ("balance", "NUMERIC(precision=10, scale=2)", True,
             "'0'::numeric", False, None),
            ("created_at", "TIMESTAMP(timezone=True)", False, "now()", False,
             None),
        ],
        p + "_products": [
            ("id", "INTEGER()", False, None, True,
             identity(False, 2147483647)),
            ("sku", "VARCHAR(length=32)", False, None, False, None),
            ("title", "VARCHAR(length=200)", False, None, False, None),
            ("price", "NUMERIC(precision=10, scale=2)", False, None, False,
             None),
            ("weight", "DOUBLE_PRECISION(precision=53)", True, None, False,
             None),
            ("released", "DATE()", True, None, False, None),
            ("attrs", "JSONB(astext_type=Text())", True, None, False, None),
            ("meta", "JSON(astext_type=Text())", True, None, False, None),
            ("image", "BYTEA()", True, None, False, None),
            ("token", "UUID()", True, None, False, None),
        ],
        p + "_orders": [
            ("id", "INTEGER()", False,
             "nextval('%s_orders_id_seq'::regclass)" % p, True, None),
            ("customer_id", "BIGINT()", False, None, False, None),
            ("placed_at", "TIMESTAMP()", False, None, False, None),
            ("status", "VARCHAR(length=16)", False,
             "'new'::character varying", False, None),
            ("note", "TEXT()", True, None, False, None),
        ],
        p + "_order_lines": [
            ("order_id", "INTEGER()", False, None, False, None),
            ("line_no", "SMALLINT()", False, None, False, None),
            ("product_id", "INTEGER()", False, None, False, None),
            ("qty", "INTEGER()", False, "1", False, None),
        ],
        p + "_tags": [
            ("id", "INTEGER()", False, None, True, identity(True, 2147483647)),
            ("label", "VARCHAR(length=40)", False, None, False, None),
        ],
    }


def index(name, cols, unique, constraint=False):
    ix = {"name": name, "column_names": cols, "unique": unique,
          "include_columns": [],
          "dialect_options": {"postgresql_include": []}}
    if constraint:
        ix["duplicates_constraint"] = name
    return ix


def fk(name, cols, table, ref_cols, options=None):
    return {"name": name, "constrained_columns": cols,
            "referred_schema": None, "referred_table": table,
            "referred_columns": ref_cols, "options": options or {}}


def expected_constraints(p):
    """table -> (pk, foreign keys, indexes, unique constraints)."""
    c, pr, o, ol, t = (p + s for s in ("_customers", "_products", "_orders",
                                       "_order_lines", "_tags"))
    return {
        c: ({"constrained_columns": ["id"], "name": c + "_pkey"}, [],
            [index(c + "_email_key", ["email"], True, True)],
            [{"column_names": ["email"], "name": c + "_email_key"}]),
        pr: ({"constrained_columns": ["id"], "name": pr + "_pkey"}, [],
             [index(p + "_ix_title_price", ["title", "price"], False),
              index(p + "_uq_sku", ["sku"], True, True)],
             [{"column_names": ["sku"], "name": p + "_uq_sku"}]),
        o: ({"constrained_columns": ["id"], "name": o + "_pkey"},
            [fk(o + "_customer_id_fkey", ["customer_id"], c, ["id"])],
            [index("ix_%s_customer_id" % o, ["customer_id"], False)], []),
        ol: ({"constrained_columns": ["order_id", "line_no"],
              "name": ol + "_pkey"},
             [fk(p + "_fk_order", ["order_id"], o, ["id"],
                 {"ondelete": "CASCADE"}),
              fk(ol + "_product_id_fkey", ["product_id"], pr, ["id"])],
             [index(p + "_ix_product", ["product_id"], False),
              index(p + "_uq_line", ["order_id", "product_id"], True, True)],
             [{"column_names": ["order_id", "product_id"],
               "name": p + "_uq_line"}]),
        t: ({"constrained_columns": ["id"], "name": t + "_pkey"}, [],
            [index(p + "_ix_label", ["label"], True)], []),
    }


def column_rows(cols):
    return [(c["name"], repr(c["type"]), c["nullable"], c["default"],
             c["autoincrement"], c.get("identity")) for c in cols]


def test_create_all_and_reflect(node):
    p = unique_name("sa")
    Base = shop_model(p)[0]
    eng = engine(node)
    try:
        Base.metadata.create_all(eng)
        insp = sa.inspect(eng)
        names = set(Base.metadata.tables)
        assert names <= set(insp.get_table_names())
        for t in names:
            assert insp.has_table(t)
        assert not insp.has_table(p + "_nope")
        for t, cols in expected_columns(p).items():
            assert column_rows(insp.get_columns(t)) == cols, t
            assert all(c["comment"] is None for c in insp.get_columns(t))
        for t, (pk, fks, ixs, uqs) in expected_constraints(p).items():
            assert insp.get_pk_constraint(t) == pk, t
            assert sorted(insp.get_foreign_keys(t),
                          key=lambda f: f["name"]) == fks, t
            assert sorted(insp.get_indexes(t),
                          key=lambda i: i["name"]) == ixs, t
            assert insp.get_unique_constraints(t) == uqs, t
        # Reflecting the whole schema into a new MetaData round-trips
        # the model's structure.
        m = sa.MetaData()
        m.reflect(eng, only=sorted(names))
        for t in names:
            assert [c.name for c in m.tables[t].columns] == \
                [c.name for c in Base.metadata.tables[t].columns]
            assert {c.name for c in m.tables[t].primary_key} == \
                {c.name for c in Base.metadata.tables[t].primary_key}
    finally:
        Base.metadata.drop_all(eng)
        eng.dispose()
    insp = sa.inspect(engine(node))
    assert not any(n.startswith(p) for n in insp.get_table_names())


def crud(node, client_keys, aggregates=False, **engine_kw):
    """Session add/commit, query with joins, filter and order_by, update,
    delete (with the ORM's delete-orphan cascade)."""
    p = unique_name("sa")
    Base, Customer, Product, Order, OrderLine, Tag = shop_model(
        p, client_keys=client_keys)
    keys = (lambda n: {"id": n}) if client_keys else (lambda n: {})
    eng = engine(node, **engine_kw)
    try:
        Base.metadata.create_all(eng)
        token = uuid.uuid4()
        with orm.Session(eng) as s:
            ann = Customer(email="ann@example.org", name="Ann", **keys(1))
            bob = Customer(email="bob@example.org", name="Bob", **keys(2))
            w = Product(sku="W-1", title="Widget",
                        price=decimal.Decimal("9.99"), weight=0.25,
                        released=datetime.date(2024, 1, 2),
                        attrs={"colors": ["red", "blue"]}, meta=[1, "x"],
                        image=b"\x00\x01\xff", token=token, **keys(10))
            g = Product(sku="G-1", title="Gadget",
                        price=decimal.Decimal("20.00"), **keys(11))
            s.add_all([ann, bob, w, g])
            s.commit()
            assert ann.id is not None and w.id is not None
            assert ann.active is True and ann.balance == decimal.Decimal("0")
            for n, (cust, prod, qty) in enumerate(
                    [(ann, w, 3), (ann, g, 1), (bob, w, 7)]):
                o = Order(customer=cust, note="order %d" % n,
                          placed_at=datetime.datetime(2024, 3, n + 1, 12),
                          **keys(100 + n))
                o.lines.append(OrderLine(line_no=1, product=prod, qty=qty))
                s.add(o)
            s.add(Tag(label="sale", **keys(1)))
            s.commit()

            rows = (s.query(Customer.name, Order.note, Product.sku,
                            OrderLine.qty)
                    .join(Order, Customer.orders)
                    .join(OrderLine, Order.lines)
                    .join(Product, OrderLine.product)
                    .filter(OrderLine.qty > 1)
                    .order_by(OrderLine.qty.desc())
                    .all())
            assert rows == [("Bob", "order 2", "W-1", 7),
                            ("Ann", "order 0", "W-1", 3)]
            if aggregates:
                totals = (s.query(Customer.name,
                                  sa.func.sum(OrderLine.qty * Product.price))
                          .join(Order, Customer.orders).join(Order.lines)
                          .join(OrderLine.product)
                          .group_by(Customer.name)
                          .order_by(Customer.name).all())
                assert totals == [("Ann", decimal.Decimal("49.97")),
                                  ("Bob", decimal.Decimal("69.93"))]
            got = s.query(Product).filter_by(sku="W-1").one()
            assert (got.attrs, got.meta, got.image, got.token) == (
                {"colors": ["red", "blue"]}, [1, "x"], b"\x00\x01\xff", token)
            assert got.released == datetime.date(2024, 1, 2)
            assert s.query(Order).filter(Order.status == "new").count() == 3

            first = (s.query(Order).join(Order.customer)
                     .filter(Customer.email == "ann@example.org")
                     .order_by(Order.placed_at).first())
            first.status = "paid"
            first.lines[0].qty = 4
            s.commit()
            s.expire_all()
            assert [(o.note, o.status) for o in
                    s.query(Order).order_by(Order.placed_at)] == [
                ("order 0", "paid"), ("order 1", "new"), ("order 2", "new")]
            assert s.query(OrderLine.qty).filter(
                OrderLine.order_id == first.id).scalar() == 4

            s.delete(first)
            s.commit()
            assert s.query(Order).count() == 2
            assert s.query(OrderLine).count() == 2
            s.query(Customer).filter(Customer.name == "Bob").update(
                {"name": "Robert"})
            s.commit()
            assert [c.name for c in
                    s.query(Customer).order_by(Customer.email)] == \
                ["Ann", "Robert"]
    finally:
        Base.metadata.drop_all(eng)
        eng.dispose()


def test_orm_crud_without_returning(node):
    crud(node, client_keys=True, implicit_returning=False)


def test_orm_aggregate_result_types(node):
    crud(node, client_keys=True, aggregates=True, implicit_returning=False)


# The generated keys of serial and identity columns come back through
# INSERT ... RETURNING (SQLAlchemy's default on PostgreSQL) or, with
# implicit_returning=False, from a `select nextval('<seq>')` SQLAlchemy
# sends before each INSERT.
def test_orm_crud_generated_keys_returning(node):
    crud(node, client_keys=False)


def test_orm_crud_generated_keys_nextval(node):
    p = unique_name("sa")
    Base, Customer = shop_model(p)[:2]
    eng = engine(node, implicit_returning=False)
    try:
        Base.metadata.create_all(eng)
        with orm.Session(eng) as s:
            c = Customer(email="ann@example.org")
            s.add(c)
            s.commit()
            assert c.id == 1
    finally:
        Base.metadata.drop_all(eng)
        eng.dispose()
