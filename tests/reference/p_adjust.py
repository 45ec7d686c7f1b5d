"""A textbook p-value adjustment, written as plainly as the definitions, for cross-checks.

Independent of ``evalstats.stats.multitest`` (loops over the sorted family, no numpy
accumulations): the tests compare the package's vectorised code against this.  Same
definitions as R's ``p.adjust``:

* Holm (1979): ``p̃_(i) = min(1, max_{j <= i} (m − j + 1) p_(j))``;
* Benjamini–Hochberg (1995): ``p̃_(i) = min(1, min_{j >= i} m p_(j) / j)``;
* Bonferroni: ``p̃_(i) = min(1, m p_(i))``.
"""


def p_adjust(p, method):
    """Adjusted p-values of the list ``p`` (no NaN), in the order of ``p``."""
    p = [float(x) for x in p]
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out = [0.0] * m
    if method == "bonferroni":
        return [min(1.0, m * x) for x in p]
    if method == "holm":
        running = 0.0
        for rank, i in enumerate(order, start=1):
            running = max(running, (m - rank + 1) * p[i])
            out[i] = min(1.0, running)
        return out
    if method == "bh":
        running = float("inf")
        for rank in range(m, 0, -1):
            i = order[rank - 1]
            running = min(running, m * p[i] / rank)
            out[i] = min(1.0, running)
        return out
    raise ValueError(f"unknown method {method!r}")
