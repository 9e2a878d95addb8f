"""The reviewing jobs, which need no database unless asked: diff two schema files, lint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..model import Catalog
from .project import Project
from .reading import without_ignored


def lint_catalog(project: Project, desired: Catalog, text: str, changes: Optional[Sequence],
                 online: bool = True, source: Optional[str] = None, sizes: Optional[dict] = None):
    """Lint ``desired`` (and ``changes`` when given) with the configured severities and the
    silencing entries of the schema file's ``text`` (read from ``source``); ``sizes`` of the
    live tables when a database was read."""
    from ..plan.lint import ignores_from_source, lint as run_lint

    return run_lint(without_ignored(desired, project.ignore), changes, online=online,
                    severities=project.severities, ignores=ignores_from_source(text, source or project.schema),
                    sizes=sizes)


def sizes_of(the_plan) -> dict:
    """The live sizes of the tables ``the_plan``'s statements work on."""
    from ..model import QualifiedName

    return {QualifiedName(s.schema, s.name): s for st in the_plan.statements for s in st.touches}


def diff_files(project: Project, old: str, new: str, *, lint: bool = False):
    """What deploying NEW over OLD would do (paths or git:REF:PATH), without a database:
    tables are taken to exist with rows, so the plan is the online one."""
    from ..desired import sources
    from ..diff import diff
    from ..plan import PlanOptions, build_plan
    from .deploying import Planned

    before, _ = sources.load(old)
    after, text = sources.load(new)
    before, after = without_ignored(before, project.ignore), without_ignored(after, project.ignore)
    changes = diff(before, after)
    planned = Planned(build_plan(changes, PlanOptions(online=True), desired=after, current=before), after, text,
                      current=before)
    if lint:
        planned.lint = lint_catalog(project, after, text, changes, source=new)
    return planned


@dataclass
class Linted:
    """Lint findings (plan.lint.LintReport), and whether changes were checked or only the file."""

    report: object
    changes_checked: bool


def lint(project: Project, *, against: Optional[str] = None, online: bool = True) -> Linted:
    """Lint the schema file and the changes it makes: from ``against`` (a file or
    git:REF:PATH), else from the live database when a URL is configured, else the file alone."""
    from ..diff import diff

    desired, text = project.load()
    changes = None
    if against:
        from ..desired import sources

        before, _ = sources.load(against)
        changes = diff(without_ignored(before, project.ignore), without_ignored(desired, project.ignore))
    elif project.has_database_url:
        from ..plan import PlanOptions
        from .planning import plan

        the_plan = plan(project.target, desired, PlanOptions(online=online))
        changes, sizes = list(the_plan.changes), sizes_of(the_plan)
        return Linted(lint_catalog(project, desired, text, changes, online=online, sizes=sizes), True)
    return Linted(lint_catalog(project, desired, text, changes, online=online), changes is not None)
