"""StockPilot's environments (seed 002; docs/profiles/stockpilot.md): ``-c profile=stockpilot``."""
