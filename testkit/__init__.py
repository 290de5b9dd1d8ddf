"""The project's harness, shared by tests/, tools/ and benchmarks/: not part of the wheel.

The tests import it (pyproject's ``[tool.pytest.ini_options] pythonpath``), and so
do the scripts in tools/ and benchmarks/ (they put the checkout first on
``sys.path``), so no script imports a test module. Nothing here imports pytest:
a missing tool is the caller's to report (``tests/_support.py`` ``require_tool``).
The wheel ships ``agentsmith/`` only (pyproject's ``[tool.flit.module]``); the
sdist excludes this folder.
"""
