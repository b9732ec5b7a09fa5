"""The data model (``model``, ``arrays``, ``names``, ``errors``); ``stores/`` for I/O; ``analysis/``
for the pure algorithms."""
