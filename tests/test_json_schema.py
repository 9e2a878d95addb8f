"""``schemadiff/schema.json`` describes exactly the files ``desired.py`` accepts: the repo's
schema.yaml and every example validate, and a key the loader rejects is rejected too."""

from __future__ import annotations

import functools
import json
from importlib import resources

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from core_helpers import REPO, SCHEMA_YAML, dedent
from schemadiff import desired
from schemadiff.cli import cli
from schemadiff.errors import SchemaFileError

def example_schema_files() -> list:
    """The schema files among the examples (the rest are CI, Kubernetes, Prometheus files)."""
    found = []
    for path in sorted(p for pattern in ("*.yaml", "*.yml") for p in (REPO / "examples").rglob(pattern)):
        doc = yaml.safe_load(path.read_text())
        if path.name.startswith("schema") or (isinstance(doc, dict) and "tables" in doc):
            found.append(path)
    return found


@functools.lru_cache(maxsize=None)
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("schemadiff").joinpath("schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def valid(text: str) -> bool:
    return validator().is_valid(yaml.safe_load(dedent(text)))


def test_the_json_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(validator().schema)
    assert validator().schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_repo_schema_yaml_validates():
    validator().validate(yaml.safe_load(SCHEMA_YAML.read_text()))


def test_every_example_validates():
    for path in example_schema_files():
        errors = [e.message for e in validator().iter_errors(yaml.safe_load(path.read_text()))]
        assert errors == [], path


def test_json_schema_command_prints_the_packaged_schema():
    result = CliRunner().invoke(cli, ["json-schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == validator().schema


# Files the loader accepts, one form each; the JSON Schema must accept them too.
ACCEPTED = {
    "explicitly empty": "tables: {}",
    "column short and long forms": """
        tables:
          t:
            columns:
              a: int
              b: {type: "numeric(20,8)", nullable: false, default: 0, comment: money}
              c: {type: bigint, identity: always}
              d: {type: int, identity: BY DEFAULT}
              e: {type: text, using: e::text, renamed_from: old_e, unique: true}
              f: {type: serial, primary_key: true}
    """,
    "keys short and long forms": """
        schemas: [audit]
        enums:
          mood: [sad, ok]
          audit.level: {values: [low, high], renamed_from: lvl}
        tables:
          u:
            columns: {id: bigserial, email: text, a: int, b: int}
            primary_key: {name: u_pk, columns: [id]}
            unique: [email, [a, b], {name: u_ea, columns: [email, a]}]
            checks: [a > 0, {name: c_b, expression: b > 0}, {expression: a < b, not_valid: true}]
            indexes:
              - email
              - [a, b DESC]
              - {columns: lower(email), unique: true, using: btree, where: a > 0, include: [b]}
              - {name: g, columns: [email], using: HASH}
            comment: users
          audit.log:
            schema: audit
            renamed_from: logs
            columns: {id: serial, u: bigint, v: bigint}
            primary_key: [id]
            foreign_keys:
              - {columns: u, references: public.u}
              - {columns: [v], references: "u(id)", on_delete: SET_NULL, on_update: cascade,
                 deferrable: true, initially_deferred: true, name: fk_v}
              - {columns: [u], references: {table: u, columns: [id]}, on_delete: set default, not_valid: true}
    """,
    "user types and collations": """
        collations:
          german: {provider: icu, locale: de-DE, deterministic: false}
          fr: {lc_collate: C.utf8, lc_ctype: C.utf8, comment: sorted}
        domains:
          year: integer
          amount: {type: "numeric(14,2)", default: 0, nullable: false, collation: null, comment: money,
                   checks: [VALUE >= 0, {name: amount_small, expression: VALUE < 100, not_valid: true}]}
          label: {type: text, collation: german, checks: length(VALUE) > 0}
        composite_types:
          address: {attributes: {line1: text, code: {type: varchar(16), collation: C}, at: year}, comment: where}
        range_types:
          amount_range: numeric
          float_range: {subtype: float8, subtype_diff: float8mi, subtype_opclass: float8_ops, multirange: floats}
        tables:
          t:
            columns: {y: year, a: "amount[]", addr: address, r: amount_range, m: floats}
    """,
    "sequences and identity options": """
        sequences:
          billing.document_number_seq: {start: 100000, comment: shared numbering}
          public_id_seq: {as: integer, start: 1000, increment: 10, min: 1000, max: 900000, cache: 20, cycle: true}
          t_n_seq: {owned_by: t.n, renamed_from: old_seq}
          bare_seq:
        tables:
          t:
            columns:
              a: {type: bigint, identity: {kind: by default, start: 1000, increment: 5}}
              n: {type: bigint, default: "nextval('public_id_seq')"}
    """,
    "extensions and their types": """
        extensions: [citext, {name: cube, schema: ext, version: "1.5"}]
        tables: {t: {columns: {a: citext, b: ext.cube}}}
    """,
    "text search dictionaries and configurations": """
        extensions: [unaccent]
        schemas: [app]
        text_search:
          dictionaries:
            app.unaccent_dict: {template: unaccent, options: {rules: unaccent}, comment: strips accents}
            english_sn: {template: snowball, options: {language: english, stopwords: english}}
          configurations:
            app.english_unaccent:
              parser: default
              mappings: {"asciiword, word": [app.unaccent_dict, english_stem], email: simple}
    """,
    "functions and procedures": """
        functions:
          touch:
            returns: trigger
            language: plpgsql
            body: BEGIN RETURN NEW; END
          add(a integer, b integer DEFAULT 1):
            returns: integer
            sql_body: RETURN a + b
            volatility: immutable
            strict: true
            parallel: safe
            cost: 2
            set: {search_path: "public, pg_temp"}
            comment: adds
        procedures:
          archive(days integer):
            language: plpgsql
            security_definer: true
            body: BEGIN NULL; END
    """,
}


@pytest.mark.parametrize("text", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_what_the_loader_accepts_validates(text):
    desired.loads(dedent(text))
    assert valid(text)


# Files the loader rejects for a reason the JSON Schema can see.
REJECTED = {
    "unknown top key": "tabels: {}",
    "unknown table key": "tables: {t: {columns: {a: int}, colums: {}}}",
    "unknown column key": "tables: {t: {columns: {a: {type: int, nulable: true}}}}",
    "column without type": "tables: {t: {columns: {a: {nullable: true}}}}",
    "column as a list": "tables: {t: {columns: {a: [int]}}}",
    "unknown index key": "tables: {t: {columns: {a: int}, indexes: [{columns: [a], uniq: true}]}}",
    "index without columns": "tables: {t: {columns: {a: int}, indexes: [{name: i}]}}",
    "unknown index method": "tables: {t: {columns: {a: int}, indexes: [{columns: [a], using: bogus}]}}",
    "unknown foreign key key": "tables: {t: {columns: {a: int}, foreign_keys: [{columns: [a], references: t, ondelete: cascade}]}}",
    "foreign key without references": "tables: {t: {columns: {a: int}, foreign_keys: [{columns: [a]}]}}",
    "unknown on_delete": "tables: {t: {columns: {a: int}, foreign_keys: [{columns: [a], references: t, on_delete: explode}]}}",
    "unknown identity": "tables: {t: {columns: {a: {type: int, identity: sometimes}}}}",
    "nullable not a boolean": "tables: {t: {columns: {a: {type: int, nullable: maybe}}}}",
    "unknown unique key": "tables: {t: {columns: {a: int}, unique: [{cols: [a]}]}}",
    "unknown check key": "tables: {t: {columns: {a: int}, checks: [{expr: a > 0}]}}",
    "not_valid not a boolean": "tables: {t: {columns: {a: int}, checks: [{expression: a > 0, not_valid: later}]}}",
    "unknown primary key key": "tables: {t: {columns: {a: int}, primary_key: {cols: [a]}}}",
    "unknown references key": "tables: {t: {columns: {a: int}, foreign_keys: [{columns: [a], references: {tabel: t}}]}}",
    "unknown enum key": "enums: {e: {vals: [a]}}",
    "enum value twice": "enums: {e: [a, a]}",
    "unknown domain key": "domains: {d: {type: int, nulable: false}}",
    "domain without type": "domains: {d: {default: 0}}",
    "composite without attributes": "composite_types: {c: {comment: x}}",
    "unknown collation provider": "collations: {c: {provider: builtin, locale: C}}",
    "range with a canonical function": "range_types: {r: {subtype: int, canonical: f}}",
    "unknown sequence key": "sequences: {s: {begin: 5}}",
    "sequence of a non-integer type": "sequences: {s: {as: text}}",
    "sequence increment of 0": "sequences: {s: {increment: 0}}",
    "identity options without kind": "tables: {t: {columns: {a: {type: int, identity: {start: 5}}}}}",
    "unknown identity option": "tables: {t: {columns: {a: {type: int, identity: {kind: always, begin: 5}}}}}",
    "unknown extension key": "extensions: [{name: citext, shema: ext}]",
    "extension without name": "extensions: [{schema: ext}]",
    "extension version as a number": "extensions: [{name: hstore, version: 1.8}]",
    "unknown text search key": "text_search: {dictionary: {}}",
    "dictionary without template": "text_search: {dictionaries: {d: {options: {rules: unaccent}}}}",
    "mapping to no dictionary": "text_search: {configurations: {c: {mappings: {word: []}}}}",
    "unknown function key": "functions: {f: {returns: int, body: x, immutable: true}}",
    "unknown volatility": "functions: {f: {returns: int, body: x, volatility: pure}}",
    "procedure with a result": "procedures: {p: {returns: int, body: x}}",
}


@pytest.mark.parametrize("text", REJECTED.values(), ids=REJECTED.keys())
def test_what_the_loader_rejects_does_not_validate(text):
    with pytest.raises(SchemaFileError):
        desired.loads(text)
    assert not valid(text)
