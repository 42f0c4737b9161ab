"""The Cypher of the Neo4j adapter (``*.cypher``), shipped as ``graph_service.cypher``.

Not Python: this file only makes the folder a package that ``importlib.resources`` finds in
the wheel and in an editable install alike (see ``setup.py``).
"""
