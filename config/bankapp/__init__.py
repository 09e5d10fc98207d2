"""BankApp's environments (seed 004; docs/profiles/bankapp.md): ``-c profile=bankapp``."""
