"""Who controls a company: the control answer, the report on it, the signs of concealment, and the
declared facts set against the computed ones."""
