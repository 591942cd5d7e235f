"""Django 3.2 (Debian's python3-django, psycopg2): makemigrations and
migrate of a small shop (auth and contenttypes included), ORM queries
with joins, aggregates, JSON lookups, savepoints and PROTECT, a second
migration that alters fields (which reads pg_index through Django's
introspection), and inspectdb.  The same expectations hold against
PostgreSQL 15 (TRIODE_TEST_TARGET=postgres).

Django's settings are process-wide, so each step runs in a child Python
process over a project written to a temporary directory."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip(
    "django", reason="python3-django is not installed (scripts/deps.sh)")

SETTINGS = """
import os
SECRET_KEY = "test"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
                  "shop"]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": os.environ["DJ_NAME"], "USER": os.environ["DJ_USER"],
    "PASSWORD": os.environ["DJ_PASSWORD"], "HOST": "127.0.0.1",
    "PORT": os.environ["DJ_PORT"], "OPTIONS": {"sslmode": "require"},
}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

MODELS_V1 = """
from django.db import models

class Category(models.Model):
    name = models.CharField(max_length=50, unique=True)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)

class Product(models.Model):
    name = models.CharField(max_length=100, db_index=True)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    category = models.ForeignKey(Category, on_delete=models.PROTECT,
                                 related_name="products")
    created = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)
    data = models.JSONField(default=dict)
    uid = models.UUIDField(null=True)
    class Meta:
        indexes = [models.Index(fields=["price", "active"])]
        constraints = [models.CheckConstraint(check=models.Q(price__gte=0),
                                              name="%(app_label)s_price_ok")]

class Tag(models.Model):
    label = models.SlugField()
    products = models.ManyToManyField(Product, related_name="tags")
"""

# The second migration: a unique name (drops the varchar_pattern_ops
# index Django made for db_index), a new column with a default, a slug
# without its index.
MODELS_V2 = MODELS_V1.replace(
    "name = models.CharField(max_length=100, db_index=True)",
    "name = models.CharField(max_length=150, unique=True)\n"
    "    sku = models.CharField(max_length=20, default='none')").replace(
    "label = models.SlugField()",
    "label = models.SlugField(db_index=False, max_length=80)")

QUERIES = """
import decimal, json, uuid
from django.db import transaction
from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.deletion import ProtectedError
from django.db.utils import IntegrityError
from shop.models import Category, Product, Tag
out = {}
root = Category.objects.create(name="root")
books = Category.objects.create(name="books", parent=root)
p1 = Product.objects.create(name="Dune", price=decimal.Decimal("9.99"),
                            category=books, data={"pages": 412},
                            uid=uuid.UUID(int=7))
p2 = Product.objects.create(name="Emma", price=decimal.Decimal("5.50"),
                            category=books)
t = Tag.objects.create(label="classic")
t.products.add(p1, p2)
out["counts"] = list(Category.objects.annotate(n=Count("products"))
                     .order_by("name").values_list("name", "n"))
agg = Product.objects.aggregate(s=Sum("price"), a=Avg("price"))
out["agg"] = [str(agg["s"]), str(round(agg["a"], 4))]
out["json"] = list(Product.objects.filter(data__pages__gt=100)
                   .values_list("name", flat=True))
out["or"] = [[n, str(p)] for n, p in Product.objects.filter(
    Q(name__icontains="UN") | Q(price__lt=6)).order_by("-price")
    .values_list("name", "price")]
Product.objects.filter(pk=p2.pk).update(price=F("price") + 1)
out["updated"] = str(Product.objects.get(pk=p2.pk).price)
with transaction.atomic():
    Product.objects.create(name="X", price=1, category=books)
    try:
        with transaction.atomic():
            Product.objects.create(name="Y", price=-1, category=books)
    except IntegrityError:
        out["check"] = "refused"
out["n"] = Product.objects.count()
out["m2m"] = list(Tag.objects.filter(products__name="Dune")
                  .values_list("label", flat=True))
out["join"] = list(Product.objects.filter(category__parent__name="root")
                   .order_by("name").values_list("name", "category__name"))
out["uid"] = str(Product.objects.get(name="Dune").uid)
try:
    root.delete()
except ProtectedError:
    out["protect"] = "refused"
print(json.dumps(out))
"""


def run_step(project, node, code):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="settings",
               PYTHONPATH=project, DJ_NAME=node.dbname, DJ_USER=node.user,
               DJ_PASSWORD=node.password, DJ_PORT=str(node.port))
    script = "import django\ndjango.setup()\n" + code
    r = subprocess.run([sys.executable, "-c", script], cwd=project, env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))


def test_django_migrate_orm_and_introspection(node, tmp_path):
    project = str(tmp_path)
    write(os.path.join(project, "settings.py"), SETTINGS)
    write(os.path.join(project, "shop", "__init__.py"), "")
    write(os.path.join(project, "shop", "migrations", "__init__.py"), "")
    write(os.path.join(project, "shop", "models.py"), MODELS_V1)
    migrate = ("from django.core.management import call_command\n"
               "call_command('makemigrations', 'shop', verbosity=0)\n"
               "call_command('migrate', verbosity=0)\n")
    run_step(project, node, migrate)
    got = json.loads(run_step(project, node, QUERIES))
    assert got == {
        "counts": [["books", 2], ["root", 0]],
        "agg": ["15.49", "7.7450"],
        "json": ["Dune"],
        "or": [["Dune", "9.99"], ["Emma", "5.50"]],
        "updated": "6.50",
        "check": "refused",
        "n": 3,
        "m2m": ["classic"],
        "join": [["Dune", "books"], ["Emma", "books"], ["X", "books"]],
        "uid": "00000000-0000-0000-0000-000000000007",
        "protect": "refused",
    }
    # Altering fields makes Django read the constraints and indexes back
    # (pg_index, unnest(indkey, indoption) WITH ORDINALITY).
    write(os.path.join(project, "shop", "models.py"), MODELS_V2)
    run_step(project, node, migrate)
    constraints = run_step(project, node, (
        "import json\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    cs = connection.introspection.get_constraints(\n"
        "        c, 'shop_product')\n"
        "print(json.dumps(sorted(\n"
        "    [sorted(v['columns']), v['unique'], v['primary_key'],\n"
        "     bool(v['foreign_key']), v['check'], v['index']]\n"
        "    for v in cs.values())))\n"))
    assert json.loads(constraints) == [
        [["active", "price"], False, False, False, False, True],
        [["category_id"], False, False, False, False, True],
        [["category_id"], False, False, True, False, False],
        [["id"], True, True, False, False, False],
        [["name"], False, False, False, False, True],
        [["name"], True, False, False, False, False],
        [["price"], False, False, False, True, False],
    ]
    models = run_step(project, node, (
        "from django.core.management import call_command\n"
        "call_command('inspectdb', 'shop_product')\n"))
    assert "name = models.CharField(unique=True, max_length=150)" in models
    assert "sku = models.CharField(max_length=20)" in models
    assert "category = models.ForeignKey('ShopCategory', " \
        "models.DO_NOTHING)" in models
