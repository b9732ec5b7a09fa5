"""What an investigator asks: named-company questions, the CLI, and rendering."""
