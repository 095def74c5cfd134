"""The click commands beyond draft and config, one module per group of commands (cli.py registers them)."""
