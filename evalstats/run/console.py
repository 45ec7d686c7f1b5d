"""The console of the ``evalstats`` commands: language, safe output, logging and progress bars.

- **Language.** Chinese by default; English with ``--lang en`` on any command or with
  ``EVALSTATS_LANG=en`` (the option wins over the variable; a value other than ``zh`` or
  ``en`` is refused).  :func:`console_lang` decides it from the command line before the parser
  is built, so the help of our options is in that language too (argparse's own words stay).
  Tables and files written are not affected.  For ``run``, ``letters`` and ``scheme show`` the
  option also chooses the language of what they write or print; the variable does not.
- **Safe output.** :func:`safe_streams` makes stdout and stderr replace what their encoding
  cannot show (a GBK console and a rare character) instead of raising UnicodeEncodeError.
- **Logging.** Messages go through the ``evalstats`` logger and its children;
  :func:`configure` puts a handler on stderr (``evalstats: message``) at INFO, DEBUG with
  ``--verbose``, WARNING with ``--quiet``; the steps of a run (:data:`STEP`) show there only
  with the progress bars or ``--verbose``.  :func:`run_log` appends a run's lines to a log file
  beside its report, each line starting with the run id and the time.
- **Progress.** :func:`show_progress`: bars only when stderr is a terminal (or forced with
  ``EVALSTATS_PROGRESS=1``), never with ``--quiet`` or ``--no-progress``.

Examples
--------
>>> console_lang(["validate", "x", "--lang", "en"], environ={})
'en'
>>> console_lang(["validate", "x"], environ={"EVALSTATS_LANG": "en"})
'en'
>>> console_lang(["validate", "x", "--lang=zh"], environ={"EVALSTATS_LANG": "en"})
'zh'
>>> pick("zh", "完成", "done"), pick("en", "完成", "done")
('完成', 'done')
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from evalstats.core.errors import EvalstatsError, InputError, SchemeError, UsageError
from evalstats.core.vocab import LANGS

__all__ = [
    "LANG_ENV",
    "LOGGER",
    "PROGRESS_ENV",
    "STEP",
    "ConsoleHandler",
    "add_console_options",
    "configure",
    "console_lang",
    "current_lang",
    "env_lang",
    "error_text",
    "lang_of",
    "pick",
    "run_log",
    "safe_streams",
    "say",
    "show_progress",
]

LANG_ENV = "EVALSTATS_LANG"
"""The environment variable of the console language (``zh`` or ``en``)."""

PROGRESS_ENV = "EVALSTATS_PROGRESS"
"""``1`` shows progress bars even when stderr is not a terminal (``0`` never shows them)."""

LOGGER = "evalstats"
"""The package's logger; modules log to its children (``evalstats.run``, …)."""

_state = {"lang": None}


# ---------------------------------------------------------------------- language
def pick(lang: str, zh: str, en: str) -> str:
    """``zh`` for a Chinese console, ``en`` for an English one."""
    return zh if lang == "zh" else en


def env_lang(environ: Mapping[str, str] | None = None) -> str | None:
    """The language of ``EVALSTATS_LANG`` (None when unset or empty).

    Raises
    ------
    UsageError
        The variable holds something other than ``zh`` or ``en`` (the message in both).

    Examples
    --------
    >>> env_lang({"EVALSTATS_LANG": " EN "})
    'en'
    >>> env_lang({"EVALSTATS_LANG": "fr"})
    Traceback (most recent call last):
    ...
    evalstats.core.errors.UsageError: EVALSTATS_LANG must be zh or en; got 'fr'
    """
    environ = os.environ if environ is None else environ
    value = environ.get(LANG_ENV, "").strip().lower()
    if not value:
        return None
    if value not in LANGS:
        raw = environ.get(LANG_ENV)
        raise UsageError(
            f"{LANG_ENV} must be zh or en; got {raw!r}",
            zh=f"环境变量 {LANG_ENV} 只能是 zh（中文）或 en（英文）；现在是 {raw!r}",
        )
    return value


def _option_lang(argv: Sequence[str]) -> str | None:
    """The last valid ``--lang X`` / ``--lang=X`` of ``argv`` (argparse refuses a bad one)."""
    found = None
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value in LANGS:
            found = value
    return found


def console_lang(argv: Sequence[str], *, environ: Mapping[str, str] | None = None) -> str:
    """The console language of a command line: its ``--lang``, else ``EVALSTATS_LANG``, else zh.

    Raises
    ------
    UsageError
        ``EVALSTATS_LANG`` is set to something else than zh or en (and no ``--lang`` given).
    """
    return _option_lang(argv) or env_lang(environ) or "zh"


def lang_of(args) -> str:
    """The console language of parsed arguments: ``args.lang``, else the variable, else zh."""
    lang = getattr(args, "lang", None)
    return lang if lang in LANGS else (env_lang() or "zh")


def current_lang() -> str:
    """The language :func:`configure` set for the console (else the variable's, else zh).

    The runner and the letters batch say their steps in it.
    """
    if _state["lang"] is not None:
        return _state["lang"]
    try:
        return env_lang() or "zh"
    except UsageError:
        return "zh"


def say(zh: str, en: str) -> str:
    """``zh`` or ``en`` in the console's language (:func:`current_lang`): how the runner and
    the letters batch word their steps.

    Examples
    --------
    >>> say("检查", "validating") in ("检查", "validating")
    True
    """
    return pick(current_lang(), zh, en)


# ---------------------------------------------------------------------- output
_PROBE = "\u00e9\u20ac\U0001f4c8"  # é € 📈: outside GBK and outside ASCII


def safe_streams(streams: Sequence | None = None) -> None:
    """Make ``streams`` (default stdout and stderr) replace what their encoding cannot show.

    A stream whose encoding cannot write every character (GBK, ASCII, cp1252 …) is reconfigured
    with ``errors="replace"``: a character outside it prints as ``?`` instead of raising
    UnicodeEncodeError.  UTF-8 and GB18030 streams are left as they are.
    """
    for stream in streams if streams is not None else (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None)
        if not encoding or not hasattr(stream, "reconfigure"):
            continue
        try:
            _PROBE.encode(encoding)
        except UnicodeEncodeError:
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="replace")
        except LookupError:
            continue


# ---------------------------------------------------------------------- logging
STEP = {"step": True}
"""``extra`` of a record that tells a step of a run (``log.info(text, extra=STEP)``): shown
at the console with the progress bars (or with ``--verbose``), always written to the run's log."""


class ConsoleHandler(logging.StreamHandler):
    """A handler on whatever ``sys.stderr`` is when a record is emitted (``evalstats: …``).

    Records marked as steps (:data:`STEP`) pass only when ``show_steps`` is true.
    """

    def __init__(self, *, show_steps: bool = False):
        super().__init__(sys.stderr)
        self.setFormatter(logging.Formatter("evalstats: %(message)s"))
        self.show_steps = show_steps

    def filter(self, record):
        if getattr(record, "step", False) and not self.show_steps:
            return False
        return super().filter(record)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler sets it; the current sys.stderr is used instead
        pass


def configure(args=None, *, lang: str | None = None) -> str:
    """Set the console up for a command: language, safe streams, the stderr log handler.

    ``args`` may carry ``lang``, ``verbose`` and ``quiet`` (any missing one takes its
    default).  Returns the console language.  Calling it again replaces the handler.
    """
    lang = lang or lang_of(args)
    _state["lang"] = lang
    safe_streams()
    logger = logging.getLogger(LOGGER)
    for h in [h for h in logger.handlers if isinstance(h, ConsoleHandler)]:
        logger.removeHandler(h)
    verbose = bool(getattr(args, "verbose", False))
    handler = ConsoleHandler(show_steps=verbose or show_progress(args))
    if verbose:
        handler.setLevel(logging.DEBUG)
    elif getattr(args, "quiet", False):
        handler.setLevel(logging.WARNING)
    else:
        handler.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    return lang


class _RunFormatter(logging.Formatter):
    """``<run id> <time> <LEVEL> <logger>: message``; every line of a message of several lines
    (input problems, a failed cell) starts the same way, so a run's lines can be picked out."""

    def __init__(self, run_id: str):
        super().__init__(datefmt="%Y-%m-%d %H:%M:%S%z")
        self.run_id = run_id

    def format(self, record):
        head = f"{self.run_id} {self.formatTime(record, self.datefmt)} {record.levelname} "
        head += f"{record.name}:"
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        first, *more = text.split("\n")
        return "\n".join([f"{head} {first}", *(f"{head}   {line}" for line in more)])


@contextlib.contextmanager
def run_log(path: Path, run_id: str) -> Iterator[logging.Handler]:
    """Append the ``evalstats`` logger's records to ``path`` while the block runs.

    Each line starts with the run id and the local time (``3fa2c1d0 2026-07-01 09:30:12
    INFO …``).  An exception leaving the block is logged at ERROR first.  The folder is made
    when missing; a log that cannot be written is skipped with a warning (the run goes on).
    """
    logger = logging.getLogger(LOGGER)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    except OSError as exc:  # the output folder is not writable: the run says so itself
        logger.debug("cannot write the run's log %s (%s)", path, exc)
        yield logging.NullHandler()
        return
    handler.setFormatter(_RunFormatter(run_id))
    handler.setLevel(logging.DEBUG)
    previous = logger.level
    if logger.level == logging.NOTSET or logger.level > logging.DEBUG:
        logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    except BaseException as exc:
        record = logging.getLogger(f"{LOGGER}.run").makeRecord(
            f"{LOGGER}.run", logging.ERROR, __file__, 0, error_text(exc, current_lang()), (), None
        )
        handler.handle(record)
        raise
    finally:
        logger.removeHandler(handler)
        handler.close()
        logger.setLevel(previous)


# ---------------------------------------------------------------------- progress
def show_progress(args=None, *, stream=None) -> bool:
    """Whether to draw progress bars: stderr is a terminal (or ``EVALSTATS_PROGRESS=1``), and
    neither ``--quiet`` nor ``--no-progress`` was given (``EVALSTATS_PROGRESS=0``: never)."""
    if getattr(args, "quiet", False) or getattr(args, "no_progress", False):
        return False
    forced = os.environ.get(PROGRESS_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    stream = sys.stderr if stream is None else stream
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------------- errors
_OS_ZH = {
    FileNotFoundError: "找不到这个文件或文件夹",
    FileExistsError: "已经存在",
    PermissionError: "没有权限",
    IsADirectoryError: "这是文件夹，不是文件",
    NotADirectoryError: "这不是文件夹",
}


_SCHEME_ZH = {"missing key": "缺少这个键"}


def _input_text(exc: InputError, lang: str) -> str:
    """An InputError's problems, one line each (the first 20), in ``lang``."""
    from evalstats.inputs.validate import format_problems

    problems = exc.problems
    errors = problems[problems["severity"] == "error"] if len(problems) else problems
    lines = format_problems(errors, lang=lang, per_kind=10)  # one kind does not hide the rest
    more = len(lines) - 20
    n = len(errors)
    head = pick(lang, f"输入数据有 {n:,} 个错误：", f"{n:,} problem(s) in the input data:")
    tail = [pick(lang, f"……另有 {more} 行", f"... and {more} more lines")] if more > 0 else []
    return "\n".join([head, *lines[:20], *tail])


def _failed_text(exc, lang: str) -> str:
    """A NotebookFailed in Chinese, from its fields."""
    first = next((ln.strip() for ln in exc.source.splitlines() if ln.strip()), "")
    name = str(exc).split(" failed", 1)[0]
    if exc.cell_index is None:
        where = f"{name} 运行失败"
    else:
        where = f"{name} 在第 {exc.cell_index} 个单元格出错（In [{exc.exec_count}]: `{first}`）"
    kept = (
        f"执行过的笔记本保存在 {exc.notebook}"
        if exc.notebook is not None
        else "没有保存执行过的笔记本"
    )
    return f"{where}\n{exc.ename}: {exc.evalue}\n{kept}；已发布的报告没有改动"


def error_text(exc: BaseException, lang: str) -> str:
    """The message of an error as the console shows it after ``evalstats: ``, in ``lang``.

    Input problems are listed with their reasons in ``lang``; a failed notebook, a held lock,
    a missing folder or cycle and a bad parameter have Chinese texts; an error of the operating
    system names the file and what happened.

    Examples
    --------
    >>> error_text(UsageError("no", zh="不行"), "zh"), error_text(KeyboardInterrupt(), "zh")
    ('不行', '已中断')
    """
    from evalstats.run.runner.errors import NotebookFailed

    if isinstance(exc, InputError):
        return _input_text(exc, lang)
    if isinstance(exc, NotebookFailed) and lang == "zh":
        return _failed_text(exc, lang)
    if isinstance(exc, SchemeError) and lang == "zh":
        where = f"{exc.source}：" if exc.source else ""
        if exc.reason == "not found":
            return f"{where}找不到方案文件"
        what = "方案文件" if exc.key == "-" else f"方案键 '{exc.key}'"
        return f"{where}{what}：{_SCHEME_ZH.get(exc.reason, exc.reason)}"
    if isinstance(exc, EvalstatsError):
        return exc.text(lang)
    if isinstance(exc, KeyboardInterrupt):
        return pick(lang, "已中断", "interrupted")
    if isinstance(exc, OSError) and type(exc) in _OS_ZH:
        name = f"{exc.filename}: " if exc.filename else ""
        what = _OS_ZH[type(exc)] if lang == "zh" else (exc.strerror or str(exc))
        return f"{name}{what}"
    return str(exc)


def add_console_options(parser, *, lang: str, lang_help: str | None = None) -> None:
    """Add ``--lang``, ``-v/--verbose`` and ``-q/--quiet`` to a (sub)command's parser.

    Their defaults are suppressed, so an option given before the command name is kept.
    ``lang_help`` replaces the help of ``--lang`` where it also chooses what a command writes.
    """
    import argparse

    parser.add_argument(
        "--lang",
        choices=LANGS,
        default=argparse.SUPPRESS,
        help=lang_help
        or pick(
            lang,
            f"界面语言：zh 中文（默认）或 en 英文（也可设环境变量 {LANG_ENV}）",
            f"console language: zh Chinese (default) or en English (or set {LANG_ENV})",
        ),
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help=pick(lang, "显示调试信息", "show debugging messages"),
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=argparse.SUPPRESS,
        help=pick(
            lang, "只显示警告和错误，不显示进度条", "only warnings and errors; no progress bars"
        ),
    )
