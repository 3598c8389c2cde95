"""Diagrams: Mermaid code blocks drawn to SVG at build time.

``mermaid`` drawing, cleaning and placing one diagram (pure) · ``stage`` the stage between render
and emit that draws each distinct diagram once, keeps it in the build cache, and puts it into the
pages that show it.
"""

from garden.diagrams.mermaid import Drawn, NodeLink, diagram_key, marker, renderer_version
from garden.diagrams.stage import (
    ERRORS as DIAGRAM_ERRORS,
)
from garden.diagrams.stage import (
    KIND as DIAGRAMS,
)
from garden.diagrams.stage import (
    Diagrams,
    DiagramStats,
    DiagramStore,
    Mapper,
    produce_diagrams,
)

__all__ = [
    "DIAGRAMS",
    "DIAGRAM_ERRORS",
    "DiagramStats",
    "DiagramStore",
    "Diagrams",
    "Drawn",
    "Mapper",
    "NodeLink",
    "diagram_key",
    "marker",
    "produce_diagrams",
    "renderer_version",
]
