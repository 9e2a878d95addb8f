"""Pictures of a schema: the entity-relationship graph of a catalog (``erd``) and its
renderings as Mermaid ``erDiagram`` text (``mermaid``), Graphviz DOT (``dot``) and SVG
(``svg``, through Graphviz). Presentation only: nothing here reads a database or a file."""
