"""What pyproject.toml cannot say: ``cypher/`` and ``seed/`` stay at the top of the repository
(readable, reviewable, tried as they are) and ship inside the wheel as the data packages
``graph_service.cypher`` and ``graph_service.seed``, found through :mod:`importlib.resources`.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"graph_service.cypher": "cypher", "graph_service.seed": "seed"}

setup(
    packages=[*find_packages(include=["graph_service", "graph_service.*"]), *DATA_PACKAGES],
    package_dir=DATA_PACKAGES,
)
