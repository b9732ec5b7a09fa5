"""Every input format, mapped onto the data model; plus the synthetic case generator."""
