"""How text search dictionaries and configurations are planned: their SQL (each statement
rerunnable: CREATE guarded, mappings set with ALTER MAPPING, which replaces whatever a token
type had), description, hazards and how `check` reads them. They run after extensions (a
template such as unaccent comes from one) and before types and tables (a default, generated
column or index names a configuration); drops run once the tables that used them changed."""

from __future__ import annotations

from ..diff import text_search as ts
from ..model import TextSearchConfiguration, TextSearchDictionary
from ..pg.naming import quote_ident, quote_literal
from . import kinds
from .render import _comment, _unless, q
from .statements import LOCKING, Hazard

USED_BY = "PostgreSQL refuses while a column default, generated column, index or other object uses it"


def ref(plain: str) -> str:
    """A template, parser or dictionary named bare (pg_catalog, public) or ``schema.name``."""
    return ".".join(quote_ident(part) for part in plain.split(".", 1))


# -- dictionaries -------------------------------------------------------------------------------

def _options(pairs) -> str:
    return "".join(f", {quote_ident(k)} = {quote_literal(v)}" for k, v in pairs)


def create_dictionary_sql(d: TextSearchDictionary) -> list[str]:
    out = [_unless(f"CREATE TEXT SEARCH DICTIONARY {q(d.qualified)} (TEMPLATE = {ref(d.template)}{_options(d.options)})",
                   "duplicate_object")]
    if d.comment is not None:
        out.append(_comment("TEXT SEARCH DICTIONARY", q(d.qualified), d.comment))
    return out


def alter_dictionary_sql(c: ts.AlterTextSearchDictionary) -> list[str]:
    items = [f"{quote_ident(k)} = {quote_literal(v)}" for k, v in c.options] + [quote_ident(k) for k in c.removed]
    return [f"ALTER TEXT SEARCH DICTIONARY {q(c.name)} ({', '.join(items)})"]


def drop_dictionary_sql(d: TextSearchDictionary) -> str:
    return f"DROP TEXT SEARCH DICTIONARY IF EXISTS {q(d.qualified)}"


# -- configurations -----------------------------------------------------------------------------

def mappings_sql(name, mappings, removed=()) -> list[str]:
    groups: dict = {}
    for token, dicts in mappings:
        groups.setdefault(dicts, []).append(token)
    target = f"ALTER TEXT SEARCH CONFIGURATION {q(name)}"
    out = [f"{target} DROP MAPPING IF EXISTS FOR {', '.join(removed)}"] if removed else []
    return out + [f"{target} ALTER MAPPING FOR {', '.join(tokens)} WITH {', '.join(ref(d) for d in dicts)}"
                  for dicts, tokens in groups.items()]


def create_configuration_sql(c: TextSearchConfiguration) -> list[str]:
    out = [_unless(f"CREATE TEXT SEARCH CONFIGURATION {q(c.qualified)} (PARSER = {ref(c.parser)})", "duplicate_object")]
    out += mappings_sql(c.qualified, c.mappings)
    if c.comment is not None:
        out.append(_comment("TEXT SEARCH CONFIGURATION", q(c.qualified), c.comment))
    return out


def drop_configuration_sql(c: TextSearchConfiguration) -> str:
    return f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {q(c.qualified)}"


def _fails_if_used(what: str):
    return lambda c: (Hazard(LOCKING, "FAILS_IF_USED", f"{what(c)}: {USED_BY}"),)


def _stale(c: ts.AlterTextSearchMappings) -> tuple:
    return (Hazard(LOCKING, "STALE_TSVECTORS", f"changes how configuration {c.name} reads text: tsvectors already stored "
                                               "(generated columns, indexes) keep the old reading until rewritten"),)


def _object(c) -> str:
    for attr in ("dictionary", "configuration", "to"):
        if hasattr(c, attr):
            return str(getattr(c, attr).qualified)
    return str(c.name)


def register_all() -> None:
    r = kinds.register
    obj = _object
    dictionary, configuration = "text search dictionary", "text search configuration"
    r(ts.CreateTextSearchDictionary, describe=lambda c: f"create {dictionary} {c.dictionary.qualified}",
      render=lambda c: create_dictionary_sql(c.dictionary), object=obj, kind=dictionary,
      severity="critical", problem="missing")
    r(ts.DropTextSearchDictionary, describe=lambda c: f"drop {dictionary} {c.dictionary.qualified}",
      render=lambda c: [drop_dictionary_sql(c.dictionary)], object=obj, kind=dictionary, problem="extra",
      hazards=_fails_if_used(lambda c: f"drops {dictionary} {c.dictionary.qualified}"))
    r(ts.ReplaceTextSearchDictionary,
      describe=lambda c: f"re-create {dictionary} {c.to.qualified} (template {c.from_.template} -> {c.to.template})",
      render=lambda c: [drop_dictionary_sql(c.from_), *create_dictionary_sql(c.to)], object=obj, kind=dictionary,
      severity="critical", hazards=_fails_if_used(lambda c: f"drops and re-creates {dictionary} {c.to.qualified}"))
    r(ts.AlterTextSearchDictionary, describe=lambda c: f"alter options of {dictionary} {c.name}",
      render=alter_dictionary_sql, object=obj, kind=dictionary)
    r(ts.CreateTextSearchConfiguration, describe=lambda c: f"create {configuration} {c.configuration.qualified}",
      render=lambda c: create_configuration_sql(c.configuration), object=obj, kind=configuration,
      severity="critical", problem="missing")
    r(ts.DropTextSearchConfiguration, describe=lambda c: f"drop {configuration} {c.configuration.qualified}",
      render=lambda c: [drop_configuration_sql(c.configuration)], object=obj, kind=configuration, problem="extra",
      hazards=_fails_if_used(lambda c: f"drops {configuration} {c.configuration.qualified}"))
    r(ts.ReplaceTextSearchConfiguration,
      describe=lambda c: f"re-create {configuration} {c.to.qualified} (parser {c.from_.parser} -> {c.to.parser})",
      render=lambda c: [drop_configuration_sql(c.from_), *create_configuration_sql(c.to)], object=obj,
      kind=configuration, severity="critical",
      hazards=_fails_if_used(lambda c: f"drops and re-creates {configuration} {c.to.qualified}"))
    r(ts.AlterTextSearchMappings, describe=lambda c: f"change mappings of {configuration} {c.name}",
      render=lambda c: mappings_sql(c.name, c.mappings, c.removed), hazards=_stale, object=obj,
      kind=configuration, severity="critical")
    r(ts.SetTextSearchComment, describe=lambda c: f"{'drop' if c.comment is None else 'set'} comment of text search "
                                                  f"{c.word.lower()} {c.name}",
      render=lambda c: [_comment(f"TEXT SEARCH {c.word}", q(c.name), c.comment)], object=lambda c: str(c.name),
      kind="text search object")


register_all()
