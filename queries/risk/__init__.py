"""Early warnings of illegal fundraising: the scores and their reasons, risk.toml, and how well the
warnings find the confirmed cases."""
