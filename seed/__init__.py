"""The seed annuaire (``annuaire/``, an HSDS 3.0 package), shipped as ``graph_service.seed``.

Not Python: this file only makes the folder a package that ``importlib.resources`` finds in
the wheel and in an editable install alike (see ``setup.py``).
"""
