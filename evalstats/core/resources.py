"""The files the package carries: notebooks, the default scheme, report templates, fonts.

One home for where they are inside the installed package, so a wheel installed anywhere runs
without a checkout: ``evalstats/notebooks/``, ``evalstats/schemes/``, ``evalstats/templates/``,
``evalstats/fonts/``.

Examples
--------
>>> packaged_notebook("half-year").name
'half_year.ipynb'
>>> sorted(NOTEBOOK_FILES)
['annual', 'half-year', 'profile']
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from evalstats.core.options import check_option

__all__ = [
    "DEFAULT_SCHEME_NAME",
    "NOTEBOOK_FILES",
    "default_scheme_path",
    "package_dir",
    "packaged_notebook",
]

NOTEBOOK_FILES = {
    "half-year": "half_year.ipynb",
    "annual": "annual.ipynb",
    "profile": "unit_profile.ipynb",
}
"""The notebook of each job: the two cycle analyses and the unit profile (feedback letter)."""


DEFAULT_SCHEME_NAME = "default.toml"
"""The bundled scheme's file name in ``evalstats/schemes/``."""


def default_scheme_path() -> Path:
    """Path of the scheme file shipped with the package.

    Examples
    --------
    >>> default_scheme_path().name
    'default.toml'
    """
    return package_dir("schemes") / DEFAULT_SCHEME_NAME


def package_dir(name: str) -> Path:
    """The folder ``name`` inside the installed package (``notebooks``, ``schemes``, …).

    Examples
    --------
    >>> package_dir("schemes").name
    'schemes'
    """
    check_option("name", name, ("notebooks", "schemes", "templates", "fonts"))
    return Path(str(resources.files("evalstats") / name))


def packaged_notebook(job: str) -> Path:
    """The notebook the package carries for ``job`` (a key of :data:`NOTEBOOK_FILES`).

    Examples
    --------
    >>> packaged_notebook("profile").name
    'unit_profile.ipynb'
    """
    check_option("job", job, tuple(NOTEBOOK_FILES))
    return package_dir("notebooks") / NOTEBOOK_FILES[job]
