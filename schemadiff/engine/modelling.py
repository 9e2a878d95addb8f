"""The job that writes SQLAlchemy models from the schema file or the live database
(``schemadiff models``); SQLAlchemy itself is not needed to write them."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Catalog
from .project import Project


@dataclass
class ModelsText:
    """Generated models: the catalog they say, their Python source, and what they leave out."""

    catalog: Catalog
    text: str
    left_out: list


def generate_models(project: Project, *, from_database: bool = False) -> ModelsText:
    """SQLAlchemy 2.0 declarative models of the schema file (or of the live database)."""
    from ..sqlalchemy_bridge.generate import generate

    if from_database:
        from .adopting import inspect_schema

        catalog, source = inspect_schema(project).catalog, "the live database"
    else:
        catalog, source = project.load()[0], project.schema
    text, left_out = generate(catalog, source)
    return ModelsText(catalog, text, left_out)
