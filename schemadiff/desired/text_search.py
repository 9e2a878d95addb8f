"""The file's ``text_search:`` (dictionaries and configurations), and its writer for ``inspect``.

    text_search:
      dictionaries:
        app.unaccent_dict: {template: unaccent, options: {rules: unaccent}}
      configurations:
        app.english_unaccent:
          parser: default
          mappings: {"asciiword, word": [app.unaccent_dict, english_stem]}

A mapping key lists one or more token types of the parser; its value the dictionaries tried
in order. Names of templates, parsers and dictionaries are bare in pg_catalog and public.
"""

from __future__ import annotations

from typing import Any

from ..model import Catalog, TextSearchConfiguration, TextSearchDictionary
from ..pg import naming
from .reader import Reader, describe_value, split_qualified

TEXT_SEARCH_KEYS = ("dictionaries", "configurations")
DICTIONARY_KEYS = ("template", "options", "comment")
CONFIGURATION_KEYS = ("parser", "mappings", "comment")
# The token types of the built-in parser (ts_token_type('default')): a typo is caught here.
DEFAULT_PARSER_TOKENS = (
    "asciiword", "word", "numword", "asciihword", "hword", "numhword", "hword_asciipart", "hword_part",
    "hword_numpart", "email", "protocol", "url", "host", "url_path", "file", "sfloat", "float", "int", "uint",
    "version", "tag", "entity", "blank")


def plain_ref(text: str) -> str:
    """A template, parser or dictionary name as the model keeps it (bare in pg_catalog, public)."""
    for prefix in ("pg_catalog.", "public."):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


class TextSearchReader(Reader):
    """Reads ``text_search:``."""

    def text_search(self, value: Any) -> dict:
        spec = self.mapping(value, ("text_search",), "text_search")
        self.expect_keys(spec, TEXT_SEARCH_KEYS, ("text_search",), "text_search")
        dictionaries = self.mapping(spec.get("dictionaries"), ("text_search", "dictionaries"), "dictionaries")
        configurations = self.mapping(spec.get("configurations"), ("text_search", "configurations"), "configurations")
        return {"ts_dictionaries": [d for key, body in dictionaries.items() if (d := self.ts_dictionary(key, body))],
                "ts_configurations": [c for key, body in configurations.items() if (c := self.ts_configuration(key, body))]}

    def ts_dictionary(self, key: Any, body: Any):
        path = ("text_search", "dictionaries", key)
        body = self.mapping(body, path, f"text search dictionary {key!r}")
        self.expect_keys(body, DICTIONARY_KEYS, path, f"text search dictionary {key!r}")
        template = self.text(body.get("template"), path + ("template",), "template")
        if not template:
            self.error(path, f"text search dictionary {key!r} needs a template (e.g. simple, snowball, unaccent)")
            return None
        options = self.mapping(body.get("options"), path + ("options",), "options")
        pairs = tuple(sorted((str(k).lower(), self.text(v, path + ("options", k), f"option {k!r}") or "")
                             for k, v in options.items()))
        schema, name = split_qualified(key)
        return TextSearchDictionary(schema, naming.truncate_identifier(name), plain_ref(template), pairs,
                                    **self.comment_of(body, path))

    def ts_configuration(self, key: Any, body: Any):
        path = ("text_search", "configurations", key)
        body = self.mapping(body, path, f"text search configuration {key!r}")
        self.expect_keys(body, CONFIGURATION_KEYS, path, f"text search configuration {key!r}")
        parser = plain_ref(self.text(body.get("parser"), path + ("parser",), "parser") or "default")
        mappings: dict = {}
        spec = self.mapping(body.get("mappings"), path + ("mappings",), "mappings")
        for tokens, dicts in spec.items():
            where = path + ("mappings", tokens)
            names = tuple(plain_ref(d) for d in self.name_list(dicts, where, "the dictionaries of a mapping"))
            if not names:
                self.error(where, f"a mapping needs at least one dictionary, not {describe_value(dicts)} "
                                  "(leave the token type out to map it to none)")
            for token in (t.strip() for t in str(tokens).split(",")):
                if parser == "default" and token not in DEFAULT_PARSER_TOKENS:
                    self.error(where, f"{token!r} is not a token type of the default parser; "
                                      f"expected one of: {', '.join(DEFAULT_PARSER_TOKENS)}")
                elif token in mappings:
                    self.error(where, f"token type {token!r} is mapped twice")
                mappings[token] = names
        schema, name = split_qualified(key)
        return TextSearchConfiguration(schema, naming.truncate_identifier(name), parser,
                                       tuple(sorted(mappings.items())), **self.comment_of(body, path))


def dump_text_search(catalog: Catalog) -> dict:
    """``text_search:`` with every configuration's full mapping (how one was first made, e.g.
    COPY = english, is not in the catalog)."""
    out: dict = {}
    if catalog.ts_dictionaries:
        out["dictionaries"] = {_key(d): _dictionary(d) for d in catalog.ts_dictionaries}
    if catalog.ts_configurations:
        out["configurations"] = {_key(c): _configuration(c) for c in catalog.ts_configurations}
    return out


def _key(obj) -> str:
    return obj.name if obj.schema == "public" else f"{obj.schema}.{obj.name}"


def _dictionary(d: TextSearchDictionary) -> dict:
    body: dict = {"template": d.template}
    if d.options:
        body["options"] = dict(d.options)
    if d.comment is not None:
        body["comment"] = d.comment
    return body


def _configuration(c: TextSearchConfiguration) -> dict:
    groups: dict = {}
    for token, dicts in c.mappings:
        groups.setdefault(dicts, []).append(token)
    body: dict = {"parser": c.parser, "mappings": {", ".join(tokens): list(dicts) for dicts, tokens in groups.items()}}
    if c.comment is not None:
        body["comment"] = c.comment
    return body
