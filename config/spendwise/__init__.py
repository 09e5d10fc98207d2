"""SpendWise's environments (seed 003; docs/profiles/spendwise.md): ``-c profile=spendwise``."""
