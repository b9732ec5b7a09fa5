"""What an investigator asks, one module per question; ``cli/`` is the command line and ``pages/``
the HTML pages."""
