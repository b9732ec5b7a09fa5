"""Data in and out: what a load read, what a mapping would read, and the exports (graph formats, the
canonical folder, FollowTheMoney and BODS)."""
