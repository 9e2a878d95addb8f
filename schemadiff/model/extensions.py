"""Extensions: database-wide, named, installed into one schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Extension:
    """An installed (or wanted) extension. On the desired side ``version`` None accepts
    whatever version is installed; on the live side it is the installed version."""

    name: str
    schema: str = "public"
    version: Optional[str] = None
