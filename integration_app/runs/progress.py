"""Terminal output of command-line runs: tqdm progress bars and the final summary table."""

from tqdm import tqdm

from syncs.context import Progress


class TqdmProgress(Progress):
    """One bar per phase: records done, rate and ETA when the total is known."""

    def __init__(self, *, disable: bool = False, file=None):
        self.disable, self.file, self.bar = disable, file, None

    def phase(self, name: str, total: int | None = None) -> None:
        self.close()
        self.bar = tqdm(total=total, desc=name, unit="rec", disable=self.disable, file=self.file, leave=True)

    def advance(self, n: int = 1, **postfix) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def print_run_summary(run, out) -> None:
    run.refresh_from_db()
    duration = f"{run.duration_seconds:.1f} s" if run.duration_seconds is not None else "-"
    out.write(
        f"\nRun {run.pk} ({run.kind}, {'full' if run.full else 'incremental'}"
        f"{', dry run' if run.dry_run else ''}): "
        f"{run.status} in {duration}\n"
    )
    width = max(len(k) for k in run.counts)
    for key, value in run.counts.items():
        out.write(f"  {key:<{width}}  {value:>8}\n")
    stats = run.stats or {}
    if stats:
        out.write(
            f"  Cin7 calls {stats.get('cin7_calls', 0)}, "
            f"Shopify requests {stats.get('shopify_requests', 0)}, "
            f"GraphQL cost {stats.get('shopify_cost', 0)}, writes {stats.get('writes', 0)}\n"
        )
    if run.error_code:
        out.write(f"  Failed: {run.error_message}\n")
    issues = list(run.issues.all()[:20])
    if issues:
        out.write(f"  Issues ({run.issues.count()}):\n")
        for issue in issues:
            out.write(f"    [{issue.code}] {issue.message}\n")
