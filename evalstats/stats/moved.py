"""Names that moved out of the statistics into ``evalstats.present`` (issue 12), still importable.

Statistics return numbers and codes; the sentences that used to be written here live in the
presentation layer now.  A statistics module that lost such a name installs
:func:`moved_to_present` as its module ``__getattr__`` (PEP 562): the old import
(``from evalstats.stats.compare import describe_changes``) keeps working, with a
:class:`DeprecationWarning` naming the new home — the name-level counterpart of
``evalstats.MOVED`` for whole modules.  The new home is imported by name on first use, so the
statistics layer has no import of ``present`` (the layers contract holds).

Examples
--------
>>> import warnings
>>> from evalstats.stats import compare
>>> with warnings.catch_warnings(record=True) as w:
...     warnings.simplefilter("always")
...     f = compare.describe_changes
>>> f.__module__, w[0].category.__name__
('evalstats.present.changes', 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Mapping

__all__ = ["moved_method", "moved_to_present"]


def moved_to_present(module: str, names: Mapping[str, str]):
    """A module ``__getattr__`` resolving moved names in their new module, with a warning.

    Parameters
    ----------
    module : str
        The old module (``__name__`` of the caller).
    names : mapping of str to str
        Old name → new module (the name is the same there), or ``"module:new_name"``.

    Returns
    -------
    callable
        To assign to the module's ``__getattr__``.

    Examples
    --------
    >>> get = moved_to_present("m", {"cycle_label": "evalstats.present.changes"})
    >>> get("nothing")
    Traceback (most recent call last):
    AttributeError: module 'm' has no attribute 'nothing'
    """
    moved = dict(names)

    def __getattr__(name: str):
        if name not in moved:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        new, _, new_name = moved[name].partition(":")
        new_name = new_name or name
        warnings.warn(
            f"{module}.{name} moved to {new}.{new_name}: statistics return numbers and codes, "
            f"sentences live in evalstats.present; import it from {new}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(new), new_name)

    return __getattr__


def moved_method(cls_name: str, names: Mapping[str, str]):
    """A class ``__getattr__`` saying where a method that wrote sentences lives now.

    Parameters
    ----------
    cls_name : str
        The class, for the message.
    names : mapping of str to str
        Old attribute → the call that replaces it.

    Returns
    -------
    callable
        To assign to the class's ``__getattr__``: raises AttributeError naming the new call.

    Examples
    --------
    >>> class R:
    ...     __getattr__ = moved_method("R", {"sentence": "evalstats.present.words.f(r)"})
    >>> R().sentence
    Traceback (most recent call last):
    AttributeError: R.sentence moved to the presentation layer: use evalstats.present.words.f(r)
    """
    moved = dict(names)

    def __getattr__(self, name: str):
        if name in moved:
            raise AttributeError(
                f"{cls_name}.{name} moved to the presentation layer: use {moved[name]}"
            )
        raise AttributeError(f"{cls_name!r} object has no attribute {name!r}")

    return __getattr__
