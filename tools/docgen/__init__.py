"""The docs site's generated pages: one per command from its argparse definition, one per rule
from the registry, and the repository's own Markdown (README, bench/README) as site pages.
``mkdocs_hooks`` hands them to mkdocs at build time, so they cannot drift from the code."""
