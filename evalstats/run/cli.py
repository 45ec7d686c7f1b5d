"""The ``evalstats`` command line.

Exit codes: 0 success (warnings allowed), 1 invalid input data, 2 usage or configuration error,
3 an unexpected internal error (a bug: please report it with ``--debug`` output).
Bad data never produces a Python traceback; ``--debug`` shows one for internal errors.

The console speaks Chinese unless ``--lang en`` (any command) or ``EVALSTATS_LANG=en``;
``--verbose`` and ``--quiet`` set how much is logged; progress bars only on a terminal
(:mod:`evalstats.run.console`).  Problem reasons in Chinese come from one catalogue keyed by
the problem's code (:mod:`evalstats.inputs.validate.reasons`).
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys

from evalstats.core.errors import EvalstatsError, InputError, SchemeError, UsageError
from evalstats.core.memory import configure_allocators
from evalstats.core.version import __version__
from evalstats.core.vocab import TIERS
from evalstats.run.console import (
    add_console_options,
    configure,
    console_lang,
    current_lang,
    error_text,
    lang_of,
    pick,
    show_progress,
)

log = logging.getLogger("evalstats.cli")

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {text!r}")
    return value


def build_parser(*, lang: str = "zh") -> argparse.ArgumentParser:
    """The ``evalstats`` argument parser; building it imports no pandas, scipy or matplotlib.

    ``lang`` is the language of the descriptions and help of our options (argparse's own
    words, ``usage:`` and ``options:``, stay as they are).

    Examples
    --------
    >>> build_parser().parse_args(["scheme", "show"]).command
    'scheme'
    >>> build_parser().parse_args(["validate", "x", "--lang", "en", "-q"]).quiet
    True
    """
    t = functools.partial(pick, lang)
    p = argparse.ArgumentParser(
        prog="evalstats",
        description=t(
            "政风行风测评（民主评议）问卷的统计分析。",
            "Survey analysis for government-conduct evaluations (政风行风测评).",
        ),
    )
    p.add_argument("--version", action="version", version=f"evalstats {__version__}")
    p.add_argument(
        "--debug",
        action="store_true",
        help=t("内部错误时显示 Python 回溯信息", "show tracebacks of internal errors"),
    )
    add_console_options(p, lang=lang)
    p.set_defaults(lang=None, verbose=False, quiet=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _add_scheme_parser(sub, t)
    _add_validate_parser(sub, t)
    _add_demo_parser(sub, t)
    _add_template_parser(sub, t)
    from evalstats.run.init import add_init_parser
    from evalstats.run.runner import add_run_parser

    add_init_parser(sub, lang=lang)
    add_run_parser(sub, lang=lang)
    add_letters_parser(sub, lang=lang)
    from evalstats.run.verify import add_verify_parser

    add_verify_parser(sub, lang=lang)
    _add_audit_parser(sub, t)
    return p


def _add_audit_parser(sub, t) -> None:
    """``audit-public REPORT [LETTERS…]`` (:mod:`evalstats.run.audit`)."""
    ap = sub.add_parser(
        "audit-public",
        help=t("公开版信息保护审核（整数推算）", "disclosure audit of a public release"),
        description=t(
            "把公开报告和公开反馈函（及更早各期的公开版）当作一次发布，检查能否由公布的数字"
            "（按公布的精度）和“票数为整数”唯一推算出某单位某类评议人的评价。逐单元格列出"
            "结论（不列出推算出的评价）；有可被推算的单元格时退出码为 1。",
            "Treat a public report and public letters (and earlier cycles' public releases) as "
            "one release and check whether a unit's group answers can be solved exactly from the "
            "published numbers at their precision and whole-number counts. Prints each cell's "
            "verdict (never the answers); exit 1 if a cell is pinned.",
        ),
    )
    ap.add_argument("report", metavar="REPORT", help=t("公开报告文件夹", "public report folder"))
    ap.add_argument(
        "letters",
        metavar="LETTERS",
        nargs="*",
        help=t("公开反馈函文件夹（可多个）", "public letters folders (any number)"),
    )
    ap.add_argument("--scheme", metavar="FILE", help=t("方案 TOML 文件", "scheme TOML file"))
    add_console_options(ap, lang=t("zh", "en"))


def _scheme_file(t) -> str:
    return t("方案 TOML 文件（默认：内置方案）", "a scheme TOML file (default: bundled)")


def _add_scheme_parser(sub, t) -> None:
    lang = t("zh", "en")
    scheme_file = _scheme_file(t)
    sp = sub.add_parser(
        "scheme", help=t("显示正在使用的测评方案", "show the evaluation scheme in effect")
    )
    add_console_options(sp, lang=lang)
    ssub = sp.add_subparsers(dest="scheme_command", metavar="ACTION")
    show = ssub.add_parser("show", help=t("打印正在使用的方案", "print the scheme in effect"))
    show.add_argument("--scheme", metavar="FILE", help=scheme_file)
    show.add_argument(
        "--toml", action="store_true", help=t("打印方案文件本身", "print the scheme file itself")
    )
    add_console_options(
        show,
        lang=lang,
        lang_help=t(
            "标签和界面的语言（默认 zh）", "language of the labels and the console (default zh)"
        ),
    )


PROBLEMS_PER_KIND = 20
"""``evalstats validate`` lists at most this many problems of each kind unless ``--all``."""


def _add_validate_parser(sub, t) -> None:
    lang = t("zh", "en")
    scheme_file = _scheme_file(t)
    vp = sub.add_parser(
        "validate",
        help=t(
            "读取并检查一期数据文件夹或一个测评表文件",
            "read and validate a cycle folder or one responses file",
        ),
        description=t(
            "检查一期数据文件夹（data/raw/<期次>/）或一个测评表文件。每个问题打印一行："
            "文件:行:列: 原因 (值)，最后打印汇总。没有错误（可以有警告）退出码 0，"
            "数据有错 1，用法错误 2。",
            "Validate a cycle folder (data/raw/<cycle>/) or one responses file. Prints "
            "one line per problem, file:row:column: reason (value), then a summary. Exit 0 when "
            "clean (warnings allowed), 1 for invalid data, 2 for a usage error.",
        ),
    )
    vp.add_argument("path", help=t("期次文件夹或测评表文件", "cycle folder or responses file"))
    vp.add_argument("--scheme", metavar="FILE", help=scheme_file)
    vp.add_argument(
        "--cycle", help=t("期次编号（默认：文件夹名）", "cycle id (default: the folder name)")
    )
    vp.add_argument(
        "--interim",
        metavar="DIR",
        help=t(
            "检查后的表格写到哪里（默认：data/interim/<期次>/）",
            "where to write the validated tables (default: data/interim/<cycle>/)",
        ),
    )
    vp.add_argument(
        "--no-write",
        action="store_true",
        help=t("只检查，不写任何文件", "check only; write nothing"),
    )
    vp.add_argument(
        "--all",
        action="store_true",
        dest="all_problems",
        help=t(
            f"列出每一个问题（默认每类最多列 {PROBLEMS_PER_KIND} 个，其余汇成一行）",
            f"list every problem (default: at most {PROBLEMS_PER_KIND} of each kind, the rest "
            "summed up in one line)",
        ),
    )
    vp.add_argument(
        "--key-file",
        metavar="FILE",
        help=t(
            "评议人姓名/电话的化名密钥文件，放在项目之外"
            "（默认：$EVALSTATS_PSEUDONYM_KEY 或 $EVALSTATS_PSEUDONYM_KEY_FILE）",
            "pseudonym key file for respondent names/phones, kept outside the project "
            "(default: $EVALSTATS_PSEUDONYM_KEY or $EVALSTATS_PSEUDONYM_KEY_FILE)",
        ),
    )
    vp.add_argument("--no-progress", action="store_true", help=t("不显示进度条", "no progress bar"))
    add_console_options(vp, lang=lang)


def _add_demo_parser(sub, t) -> None:
    lang = t("zh", "en")
    dp = sub.add_parser(
        "demo",
        help=t(
            "写出演示数据（或供基准测试用的大型合成数据）",
            "write the demo data (or a large synthetic cycle for benchmarks)",
        ),
        description=t(
            "把期次文件夹写到数据根目录 --out（放各期文件夹的文件夹，默认 data/raw）："
            "不带 --forms 写演示镇的 <out>/2026H1 和 <out>/2026A；"
            "带 --forms N 写一期大型合成数据 <out>/<--cycle>。",
            "Write cycle folders into the data root --out (the folder holding cycle folders; "
            "default data/raw): without --forms the demo town's cycles <out>/2026H1 and "
            "<out>/2026A; with --forms N one large synthetic cycle <out>/<--cycle>.",
        ),
    )
    dp.add_argument(
        "--out",
        metavar="DIR",
        help=t(
            "数据根目录：放各期文件夹的文件夹（默认 data/raw）",
            "the data root: the folder of cycle folders (default data/raw)",
        ),
    )
    dp.add_argument(
        "--forms",
        type=_positive_int,
        metavar="N",
        help=t("写 N 份合成测评表", "write N synthetic forms"),
    )
    dp.add_argument(
        "--seed",
        type=int,
        default=2026,
        help=t("随机种子（默认 2026）", "random seed (default 2026)"),
    )
    dp.add_argument("--format", choices=("csv", "parquet"), default="csv", dest="fmt")
    dp.add_argument(
        "--cycle",
        default="2026L",
        help=t("大型数据的期次编号（默认 2026L）", "cycle id of a large cycle (default 2026L)"),
    )
    dp.add_argument(
        "--if-absent",
        action="store_true",
        help=t("已有的期次文件夹保持不动", "leave existing cycle folders alone"),
    )
    dp.add_argument(
        "--overwrite",
        action="store_true",
        help=t("替换已有的演示文件夹", "replace existing demo folders"),
    )
    dp.add_argument(
        "--with-identifiers",
        action="store_true",
        help=t(
            "在演示数据中加入评议人姓名和电话列（用来试化名）",
            "add respondent name and phone columns to the demo (to try pseudonyms)",
        ),
    )
    dp.add_argument(
        "--layout",
        choices=("long", "wide"),
        default="long",
        help=t(
            "演示测评表的格式：long 每行一张表（默认）；wide 矩阵式，每行一位评议人",
            "layout of the demo responses: long, one row per form (default); wide, one row "
            "per respondent and one column per unit × content",
        ),
    )
    add_console_options(dp, lang=lang)


def _add_template_parser(sub, t) -> None:
    lang = t("zh", "en")
    scheme_file = _scheme_file(t)
    tp = sub.add_parser(
        "template",
        help=t(
            "写出给录入人员用的 XLSX 录入模板", "write the XLSX entry template for office staff"
        ),
    )
    tp.add_argument(
        "--cycle", required=True, help=t("期次编号，如 2026H1", "cycle id, e.g. 2026H1")
    )
    tp.add_argument(
        "--table",
        choices=("responses", "units", "forms_issued", "incidents", "exclusions"),
        default="responses",
        help=t(
            "录入的表（默认 responses）；每张表一个工作簿",
            "the input table (default responses); one workbook per table",
        ),
    )
    tp.add_argument(
        "--out",
        metavar="FILE",
        help=t(
            "输出的 .xlsx（默认：<期次>_录入模板.xlsx；其他表为 "
            "<期次>_被评单位|发放数|一票否决事项|作废问卷_录入模板.xlsx）",
            "output .xlsx (default: <cycle>_录入模板.xlsx; other tables "
            "<cycle>_被评单位|发放数|一票否决事项|作废问卷_录入模板.xlsx)",
        ),
    )
    tp.add_argument("--scheme", metavar="FILE", help=scheme_file)
    tp.add_argument(
        "--units",
        metavar="FILE",
        help=t(
            "单位名单文件（默认：data/raw/<期次>/units.*）",
            "units file (default: data/raw/<cycle>/units.*)",
        ),
    )
    tp.add_argument(
        "--layout",
        choices=("long", "wide"),
        default="long",
        help=t(
            "测评表的格式：long 每行一张表（默认）；wide 矩阵式，每行一位评议人、"
            "每个单位×评议内容一列",
            "responses layout: long, one row per form (default); wide, the matrix sheet, one "
            "row per respondent and one column per unit × content",
        ),
    )
    add_console_options(tp, lang=lang)


def add_letters_parser(subparsers, *, lang: str = "zh") -> argparse.ArgumentParser:
    """Add the ``letters`` subcommand (:mod:`evalstats.run.letters`) to the subparsers.

    ``lang`` is the language of the help texts.
    """
    t = functools.partial(pick, lang)
    lp = subparsers.add_parser(
        "letters",
        help=t(
            "为每个单位写一份反馈函：HTML 和 Word，附索引",
            "write a feedback letter (反馈函) per unit: HTML and Word, with an index",
        ),
        description=t(
            "对一期的每个单位（或指定的单位）执行 notebooks/unit_profile.ipynb，并发布 "
            "<out>/<期次>/letters/：<单位>.html（不含代码，A4 打印样式）、<单位>.docx、"
            "index.html 和 manifest.json；原有的反馈函保留为 letters.previous-<运行时间>。"
            "一个单位失败不影响其他单位。退出码 0 完成，1 数据有错，2 用法错误，3 有单位的"
            "反馈函失败（其余的照常发布；失败的笔记本保存在 <out>/_failed/）。运行日志追加到 "
            "<out>/<期次>/letters.log。",
            "Execute notebooks/unit_profile.ipynb for every unit of a cycle (or the "
            "units given) and publish <out>/<cycle>/letters/: <unit>.html (no code, A4 print "
            "stylesheet), <unit>.docx, index.html and manifest.json; the previous letters are "
            "kept as letters.previous-<run time>.  One unit failing does not stop the others.  "
            "Exit 0 done, 1 invalid data, 2 usage error, 3 a unit's letter failed (the others "
            "are published; the failed notebooks are kept under <out>/_failed/).  The run's "
            "log is appended to <out>/<cycle>/letters.log.",
        ),
    )
    _add_letters_inputs(lp, t)
    _add_letters_options(lp, t)
    add_console_options(
        lp,
        lang=lang,
        lang_help=t(
            "反馈函和界面的语言：zh（默认）或 en",
            "language of the letters and the console: zh (default) or en",
        ),
    )
    return lp


def _add_letters_inputs(lp, t) -> None:
    """``letters``: which cycle and units, from which data and scheme, into which folder."""
    from evalstats.run.runner.command import add_cycle_inputs

    add_cycle_inputs(lp, t)
    lp.add_argument(
        "--units",
        metavar="U1,U2,…",
        help=t(
            "单位编码，用逗号分隔（默认：所有单位）",
            "unit codes, comma-separated (default: every unit)",
        ),
    )


def _add_letters_options(lp, t) -> None:
    """``letters``: the edition, the date, the kernels, the notebook and its parameters."""
    lp.add_argument(
        "--tier",
        choices=TIERS,
        default="internal",
        help=t(
            "internal（全部内容，默认）或 public（隐去小单元格和监督员分类）",
            "internal (everything, default) or public (small cells and the supervisor "
            "breakdown withheld)",
        ),
    )
    lp.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help=t(
            "反馈函日期（默认：方案 [letters] 中的日期，否则为当天）；回复期限据此推算",
            "the letters' date (default: the scheme's [letters] date, else today); the reply "
            "deadline follows from it",
        ),
    )
    lp.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help=t("并行的内核数（默认：CPU 核数）", "kernels in parallel (default: the cores)"),
    )
    lp.add_argument(
        "-p",
        "--parameter",
        dest="parameters",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=t(
            "设置笔记本参数（previous_cycle、seed、n_resamples、confidence_level）",
            "set a notebook parameter (previous_cycle, seed, n_resamples, confidence_level)",
        ),
    )
    lp.add_argument(
        "--notebook",
        metavar="FILE",
        help=t("改用另一个单位画像笔记本", "use another profile notebook"),
    )
    lp.add_argument("--no-progress", action="store_true", help=t("不显示进度条", "no progress bar"))


# ---------------------------------------------------------------------- commands
def cmd_scheme(args) -> int:
    from evalstats.core.scheme import load_scheme

    lang = lang_of(args)
    if args.scheme_command != "show":
        raise UsageError("say 'evalstats scheme show'", zh="请用 'evalstats scheme show'")
    scheme = load_scheme(args.scheme)
    if args.toml:
        from evalstats.core.config import resolve_path
        from evalstats.core.scheme import default_scheme_path

        path = resolve_path(args.scheme) if args.scheme else default_scheme_path()
        print(path.read_text(encoding="utf-8-sig"), end="")
    else:
        print(scheme.describe(lang=lang))
    return EXIT_OK


def _validation_bar(args, lang: str):
    """The step bar of ``evalstats validate`` (drawn only when stderr is a terminal and the
    validation takes more than a second)."""
    from tqdm.auto import tqdm

    return tqdm(
        desc=pick(lang, "检查", "validating"),
        unit=pick(lang, "步", "step"),
        delay=1.0,
        file=sys.stderr,
        disable=not show_progress(args),
        leave=False,
    )


def _interim_folder(args, path):
    """``validate``'s ``--interim`` folder, checked before anything is read (None: the default,
    ``data/interim/<cycle>``, which :func:`evalstats.inputs.interim.write_interim` checks);
    a ``--cycle`` that is not a cycle id is refused here."""
    from evalstats.core.config import raw_dir, resolve_path
    from evalstats.core.cycles import check_cycle
    from evalstats.core.files import check_output_folder

    if args.cycle is not None:
        try:
            check_cycle(args.cycle)
        except ValueError as exc:
            raise UsageError(
                f"--cycle: {exc}",
                zh=f"--cycle：期次编号不对：{args.cycle!r}（应写成如 2026H1、2026A）",
            ) from None
    if args.no_write or not args.interim:
        return None
    # a cycle folder: it and the folder holding it (the data folder); one file: its folder
    folder = path if path.is_dir() else path.parent
    interim = resolve_path(args.interim)
    for data_dir in (folder.parent if path.is_dir() else None, raw_dir()):
        check_output_folder(
            interim,
            shown=args.interim,
            option="--interim",
            data_dir=data_dir,
            cycle_folders=[folder],
        )
    return interim


def cmd_validate(args) -> int:
    from evalstats.core.config import resolve_path
    from evalstats.core.scheme import load_scheme
    from evalstats.inputs.interim import write_interim
    from evalstats.inputs.validate import format_problems, format_summary, validate_cycle

    lang = lang_of(args)
    scheme = load_scheme(args.scheme)
    path = resolve_path(args.path)
    if not path.exists():
        raise UsageError(
            f"{args.path}: no such file or folder", zh=f"{args.path}：没有这个文件或文件夹"
        )
    interim = _interim_folder(args, path)
    log.debug("validating %s (resolved %s)", args.path, path)
    with _validation_bar(args, lang) as bar:
        validated = validate_cycle(
            args.path,
            scheme=scheme,
            cycle=args.cycle,
            raise_on_error=False,
            key_file=args.key_file,
            progress=bar,
        )
    per_kind = None if args.all_problems else PROBLEMS_PER_KIND
    lines = format_problems(validated.problems, lang=lang, per_kind=per_kind)
    for line in lines:
        print(line)
    if per_kind is not None and len(lines) < len(validated.problems):
        print(pick(lang, "（加 --all 列出每一个问题）", "(add --all to list every problem)"))
    print(format_summary(validated, lang=lang))
    if not validated.ok:
        print(
            pick(
                lang,
                "数据有错：请改正上面的错误；没有写出任何文件。",
                "invalid: fix the errors above; nothing was written.",
            )
        )
        return EXIT_INVALID
    if not args.no_write:
        out = write_interim(validated, interim)
        print(pick(lang, f"检查后的表格已写到 {out}", f"validated tables written to {out}"))
    return EXIT_OK


def cmd_demo(args) -> int:
    from evalstats.core.config import raw_dir, resolve_path
    from evalstats.core.files import check_output_folder

    lang = lang_of(args)
    data_root = resolve_path(args.out) if args.out else raw_dir()
    check_output_folder(data_root, shown=args.out or "data/raw")
    if args.layout == "wide" and (args.forms is not None or args.with_identifiers):
        raise UsageError(
            "--layout wide writes the demo town; it does not combine with --forms or "
            "--with-identifiers",
            zh="--layout wide 只用于演示镇数据，不能与 --forms 或 --with-identifiers 同用",
        )
    if args.forms is not None:
        from evalstats.inputs.demo import write_large

        path = write_large(
            data_root / args.cycle,
            forms=args.forms,
            fmt=args.fmt,
            seed=args.seed,
            cycle=args.cycle,
            overwrite=args.overwrite,
        )
        print(
            pick(
                lang,
                f"已把 {args.forms:,} 份测评表（{args.fmt}）写到 {path}",
                f"wrote {args.forms:,} forms ({args.fmt}) to {path}",
            )
        )
        return EXIT_OK
    from evalstats.inputs.demo import write_demo

    written = write_demo(
        data_dir=data_root,
        seed=args.seed,
        if_absent=args.if_absent,
        overwrite=args.overwrite,
        with_identifiers=args.with_identifiers,
        layout=args.layout,
    )
    if written:
        for p in written:
            print(pick(lang, f"已写出 {p}", f"wrote {p}"))
    else:
        raw = data_root
        print(
            pick(
                lang,
                f"{raw} 下已有演示数据；没有改动",
                f"demo data already present under {raw}; left untouched",
            )
        )
    return EXIT_OK


def cmd_template(args) -> int:
    from evalstats.core.config import resolve_path
    from evalstats.core.scheme import load_scheme
    from evalstats.inputs.template import default_template_name, write_template

    if args.layout == "wide" and args.table != "responses":
        raise UsageError(
            f"--layout wide is a layout of the responses, not of --table {args.table}",
            zh=f"--layout wide 只用于测评表（responses），不用于 --table {args.table}",
        )
    scheme = load_scheme(args.scheme)
    out = resolve_path(args.out or default_template_name(args.cycle, args.table))
    units = resolve_path(args.units) if args.units else None
    path = write_template(
        out, cycle=args.cycle, table=args.table, scheme=scheme, units=units, layout=args.layout
    )
    print(pick(lang_of(args), f"已写出 {path}", f"wrote {path}"))
    return EXIT_OK


def cmd_init(args) -> int:
    from evalstats.run.init import cmd_init as init

    return init(args)


def cmd_run(args) -> int:
    from evalstats.run.runner import cmd_run as run

    return run(args)


def cmd_verify(args) -> int:
    from evalstats.run.verify import cmd_verify as verify

    return verify(args)


def cmd_letters(args) -> int:
    from evalstats.run.letters import cmd_letters as letters

    return letters(args)


def cmd_audit_public(args) -> int:
    from evalstats.run.audit import cmd_audit_public as audit

    return audit(args)


COMMANDS = {
    "audit-public": cmd_audit_public,
    "init": cmd_init,
    "run": cmd_run,
    "letters": cmd_letters,
    "verify": cmd_verify,
    "scheme": cmd_scheme,
    "validate": cmd_validate,
    "demo": cmd_demo,
    "template": cmd_template,
}


def _skip_iri_grammars() -> None:
    """Keep ``jsonschema`` from importing ``rfc3987_syntax`` in this process.

    nbformat (papermill, nbconvert) imports jsonschema, whose optional ``iri`` format checker
    imports ``rfc3987_syntax`` when installed (JupyterLab's dependencies bring it); its 1.1
    release compiles 38 grammars at import, 2-3 s of every run (jsonschema issue 1392, fixed by
    the lazy ``rfc3987-syntax2`` fork).  Neither nbformat nor evalstats checks IRI formats, so
    the console script marks the module absent (``None`` in ``sys.modules``: its import raises
    ImportError, which jsonschema expects); nothing changes once jsonschema is imported.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``evalstats`` console script.

    The console language comes from ``--lang`` or ``EVALSTATS_LANG`` before the parser is
    built (:func:`evalstats.run.console.console_lang`), so the help is in that language too.
    """
    configure_allocators()  # before any thread starts and before pyarrow loads
    _skip_iri_grammars()
    argv = sys.argv[1:] if argv is None else list(argv)
    configure(lang="zh")  # safe streams and a handler, whatever happens next
    try:
        lang = console_lang(argv)
    except UsageError as exc:
        print(f"evalstats: {exc.text('zh')}\nevalstats: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parser = build_parser(lang=lang)
    args = parser.parse_args(argv)
    configure(args, lang=lang)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command == "scheme" and args.scheme_command is None:
        parser.parse_args(["scheme", "--help"])
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt as exc:
        log.error(error_text(exc, lang))
        return 130
    except Exception as exc:
        code = exit_code(exc)
        if code is None:
            if args.debug:
                raise
            log.error(
                pick(
                    current_lang(),
                    f"内部错误（{type(exc).__name__}: {exc}）。这是 evalstats 的缺陷；"
                    "请加 --debug 再运行一次，并把输出报告给维护者。",
                    f"internal error ({type(exc).__name__}: {exc}). "
                    "This is a bug in evalstats; run again with --debug and report the output.",
                )
            )
            return EXIT_INTERNAL
        log.error(error_text(exc, lang))
        return code


_OS_ERRORS = (
    FileExistsError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    NotADirectoryError,
)


def exit_code(exc: BaseException) -> int | None:
    """The exit code of an error a command let through; None for an internal error (a bug).

    Examples
    --------
    >>> exit_code(UsageError("x")), exit_code(FileNotFoundError()), exit_code(KeyError())
    (2, 2, None)
    """
    if isinstance(exc, InputError):
        return EXIT_INVALID
    if isinstance(exc, SchemeError | UsageError):
        return EXIT_USAGE
    if isinstance(exc, EvalstatsError):
        return EXIT_INVALID
    if isinstance(exc, _OS_ERRORS):
        return EXIT_USAGE
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


__all__ = [
    "COMMANDS",
    "PROBLEMS_PER_KIND",
    "add_letters_parser",
    "build_parser",
    "cmd_audit_public",
    "cmd_demo",
    "cmd_init",
    "cmd_letters",
    "cmd_run",
    "cmd_scheme",
    "cmd_template",
    "cmd_validate",
    "cmd_verify",
    "exit_code",
    "main",
]
