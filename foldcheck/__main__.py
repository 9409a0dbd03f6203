from foldcheck.cli import entry

entry()
