"""Errors raised by tikrar.

Every error derives from :class:`TikrarError`, so a pipeline can catch one type.
Messages name the offending value and, where there is one, the fix.
"""

from __future__ import annotations

__all__ = [
    "TikrarError", "ConfigError", "InputError", "MissingDependencyError", "require_module",
]


class TikrarError(Exception):
    """Base class of every error tikrar raises on purpose.

    >>> issubclass(InputError, TikrarError), issubclass(ConfigError, TikrarError)
    (True, True)
    """


class ConfigError(TikrarError, ValueError):
    """An option has a value tikrar cannot work with.

    A ``ValueError`` too, so code written for the standard library's
    errors catches it.

    >>> isinstance(ConfigError("threshold must be a number in (0, 1], got 2"), ValueError)
    True
    """


class InputError(TikrarError):
    """A record of the input cannot be read.

    ``location`` names the record (``file:line``, or a document id) so that
    a batch job can report it and go on with the rest.

    >>> str(InputError("data.jsonl:3", "line is not valid JSON"))
    'data.jsonl:3: line is not valid JSON'
    """

    def __init__(self, location: str, problem: str):
        self.location = location
        self.problem = problem
        super().__init__(f"{location}: {problem}")


class MissingDependencyError(TikrarError, ImportError):
    """An optional dependency is needed for the feature that was asked for.

    The message gives the pip line that installs it.

    >>> print(MissingDependencyError("pandas", "pandas", "Report.to_pandas"))
    Report.to_pandas needs the optional package 'pandas'; install it with: pip install 'tikrar[pandas]'
    """

    def __init__(self, package: str, extra: str, feature: str):
        self.package = package
        super().__init__(
            f"{feature} needs the optional package {package!r}; "
            f"install it with: pip install 'tikrar[{extra}]'"
        )


def require_module(module: str, extra: str, feature: str):
    """Import the optional ``module`` for ``feature``, or raise a
    :class:`MissingDependencyError` naming the extra that installs it.

    >>> require_module("json", "none", "parsing").__name__
    'json'
    >>> require_module("no_such_module_here", "plot", "Report.plot")
    Traceback (most recent call last):
    ...
    tikrar.errors.MissingDependencyError: Report.plot needs the optional package 'no_such_module_here'; install it with: pip install 'tikrar[plot]'
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingDependencyError(module.split(".")[0], extra, feature) from err
