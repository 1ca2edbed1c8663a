"""govern: governance for the communities people build themselves in collaboration tools."""

# The one place the version is written; pyproject.toml reads it (tool.hatch.version). Reading it
# back through importlib.metadata would cost ~40 ms on every start of the CLI.
__version__ = "0.1.0"
