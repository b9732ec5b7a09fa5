"""HTML for people: the interactive graph page and the case report, from ``templates/``."""
