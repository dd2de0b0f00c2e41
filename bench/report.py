"""The results of `make bench` as a Markdown table and PNG charts beside the JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.stats import Step, knee, last_good, ratio

DRIVER_SATURATED = 0.9  # of one core: above this the driver, not the server, sets the pace


def hot_steps(run: dict[str, Any]) -> list[Step]:
    return [Step(s["rate"], s["latency_ms"]["p99"], s["lost"], s["delivered_per_second"] or 0.0) for s in run["steps"]]


def cpu_us_per_frame(step: dict[str, Any]) -> float | None:
    frames = step["delivered_frames"]
    return round(step["usage"]["server_cpu_s"] / frames * 1e6, 1) if frames else None


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _r(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def hot_summary(scenario: dict[str, Any]) -> dict[str, Any]:
    """The figures the targets speak of: knees, frames/s there, CPU per frame, p99 ratios."""
    lean, kring = scenario.get("lean"), scenario.get("kring")
    if not lean or not kring or "steps" not in lean or "steps" not in kring:
        return {}
    lean_steps, kring_steps = hot_steps(lean), hot_steps(kring)
    lean_best, kring_best = last_good(lean_steps), last_good(kring_steps)
    lean_knee, kring_knee = knee(lean_steps), knee(kring_steps)
    by_rate = {s["rate"]: s for s in kring["steps"]}
    lean_by_rate = {s["rate"]: s for s in lean["steps"]}
    cpu_ratios = [
        ratio(cpu_us_per_frame(by_rate[r]), cpu_us_per_frame(lean_by_rate[r])) for r in by_rate if r in lean_by_rate
    ]
    below = [s.rate for s in kring_steps if kring_knee is None or s.rate < kring_knee.rate]
    p99_ratios = {
        r: ratio(by_rate[r]["latency_ms"]["p99"], lean_by_rate[r]["latency_ms"]["p99"])
        for r in below
        if r in lean_by_rate
    }
    lost_where_lean_clean = [
        r for r, s in by_rate.items() if r in lean_by_rate and lean_by_rate[r]["lost"] == 0 and s["lost"] > 0
    ]
    return {
        "lean_knee": lean_knee.rate if lean_knee else None,
        "kring_knee": kring_knee.rate if kring_knee else None,
        "lean_best_fps": lean_best.delivered_per_second if lean_best else None,
        "kring_best_fps": kring_best.delivered_per_second if kring_best else None,
        "fps_ratio": ratio(
            kring_best.delivered_per_second if kring_best else None,
            lean_best.delivered_per_second if lean_best else None,
        ),
        "cpu_ratio_max": max((c for c in cpu_ratios if c is not None), default=None),
        "p99_ratios_below_knee": p99_ratios,
        "lost_where_lean_clean": lost_where_lean_clean,
    }


def _load(results: dict[str, Any], key: str) -> str:
    values = results["machine"].get(key)
    return ", ".join(f"{x:.2f}" for x in values) if values else "–"


def markdown(results: dict[str, Any]) -> str:
    out = [
        f"# Kring benchmark, {results['started']} (commit {results['commit']}, scale {results['scale']}, "
        f"{results['database']})",
        "",
        f"Machine: {results['machine']['cpus']} CPUs, Python {results['machine']['python']}, "
        f"load average before {_load(results, 'load_before')}, after {_load(results, 'load_after')}. "
        "Ratios are Kring ÷ the lean baseline in the same invocation. A load average above the number of "
        "CPUs means other processes took CPU from the servers and the driver: read such a run's latencies "
        "as an upper bound. A driver above 0.9 of a core measured itself, not the server.",
        "",
    ]
    scenarios = results["scenarios"]
    out += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    out += [f"| {name} | {measured} | {verdict} |" for name, measured, verdict in targets(scenarios)]
    out.append("")
    if "hot" in scenarios:
        out += _hot(scenarios["hot"])
    if "idle" in scenarios:
        out += _idle(scenarios["idle"])
    if "workday" in scenarios:
        out += _workday(scenarios["workday"])
    if "storm" in scenarios:
        out += _storm(scenarios["storm"])
    if "slow" in scenarios:
        out += _slow(scenarios["slow"])
    if "http" in scenarios:
        out += _http(scenarios["http"])
    return "\n".join(out) + "\n"


def _verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**no**")


def targets(scenarios: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each target of docs/performance.md with the figure of this run and whether it holds."""
    rows: list[tuple[str, str, str]] = []
    hot = hot_summary(scenarios.get("hot", {}))
    if hot:
        fps = hot["fps_ratio"]
        rows.append(
            ("Hot circle: frames/s at the knee ≥ 0.8 × lean", _r(fps), _verdict(None if fps is None else fps >= 0.8))
        )
        cpu = hot["cpu_ratio_max"]
        rows.append(
            (
                "Hot circle: CPU per frame ≤ 1.3 × lean",
                f"{_r(cpu)} (worst rate)",
                _verdict(None if cpu is None else cpu <= 1.3),
            )
        )
        p99s = [v for v in hot["p99_ratios_below_knee"].values() if v is not None]
        worst = max(p99s, default=None)
        rows.append(
            (
                "Hot circle: p99 ≤ 1.2 × lean below the knee",
                f"{_r(worst)} (worst rate)",
                _verdict(None if worst is None else worst <= 1.2),
            )
        )
        lost = hot["lost_where_lean_clean"]
        rows.append(
            ("Hot circle: no loss where lean loses nothing", f"lost at {lost or 'no'} msg/s", _verdict(not lost))
        )
    idle = scenarios.get("idle", {}).get("kring", {})
    if "hold" in idle:
        kib = idle["rss_per_connection"] / 1024 if idle["rss_per_connection"] else None
        rows.append(("Idle: ≤ 25 KiB per connection", f"{_f(kib)} KiB", _verdict(None if kib is None else kib <= 25)))
        share = idle["cpu_share_per_10k"]
        rows.append(
            (
                "Idle: 10,000 connections < 10 % of a core",
                f"{_f(share * 100, 2)} % (scaled from {idle['clients']:,})",
                _verdict(share < 0.10),
            )
        )
    work = scenarios.get("workday", {}).get("kring", {})
    if "latency_ms" in work:
        p99 = work["latency_ms"]["p99"]
        rows.append(
            (
                "Workday: p99 < 50 ms",
                f"{_f(p99)} ms (sent {work['actions']['achieved']:g} of {work['actions']['offered']:g} actions/s)",
                _verdict(None if p99 is None else p99 < 50),
            )
        )
    storm = scenarios.get("storm", {}).get("kring", {})
    if "resume_s" in storm:
        slowest = storm["resume_s"]["max"]
        back = storm["never_back"] == 0 and slowest is not None and slowest <= 10
        rows.append(
            (
                "Storm: every client back within 10 s",
                f"slowest {_f(slowest, 1)} s, {storm['never_back']} never",
                _verdict(back),
            )
        )
        clean = storm["lost"] == 0 and storm["duplicated"] == 0
        measured = f"{storm['lost']:,} lost, {storm['duplicated']:,} doubled"
        if storm.get("never_back"):
            measured += (
                f" among the clients back; {storm.get('awaited_by_those_away', '?'):,} events wait in history"
                f" for the {storm['never_back']:,} still away"
            )
        rows.append(("Storm: nothing lost or doubled", measured, _verdict(clean)))
        rows.append(
            (
                "Storm: log read with a bounded number of queries",
                f"{_per_resubscription(storm)} transactions per resubscription",
                _verdict(False if storm.get("database_transactions") else None),
            )
        )
    slow = scenarios.get("slow", {}).get("kring", {})
    if "with_slow" in slow:
        r = ratio(slow["with_slow"]["latency_ms"]["p99"], slow["all_reading"]["latency_ms"]["p99"])
        lost = slow["with_slow"]["others_lost"] + slow["all_reading"]["others_lost"]
        measured = f"{_r(r)}; the others lost {lost:,} frames"
        rows.append(("Slow consumers: others' p99 within 20 %", measured, _verdict(None if r is None else r <= 1.2)))
    rows.append(("Search: p99 < 100 ms at 50,000 items", "section 7 (`python -m bench.search`)", "–"))
    return rows


def _error(scenario: dict[str, Any]) -> list[str]:
    if "skipped" in scenario:
        return [f"Skipped: {scenario['skipped']}."]
    return [
        f"- {target}: **{run['error']}**"
        for target, run in scenario.items()
        if isinstance(run, dict) and "error" in run
    ]


def _hot(scenario: dict[str, Any]) -> list[str]:
    out = ["## 1. Hot circle", ""]
    out += _error(scenario)
    lean, kring = scenario.get("lean", {}), scenario.get("kring", {})
    if "steps" not in lean or "steps" not in kring:
        return [*out, ""]
    out += [
        f"{kring['connect']['connected']} clients in one circle over two processes; messages posted through "
        "the API (Kring) or published to Redis (lean).",
        "",
        "| msg/s | frames/s lean | frames/s Kring | ratio | p50 ms lean | p50 ms Kring | p99 ms lean | "
        "p99 ms Kring | p99 ratio | lost lean | lost Kring | CPU µs/frame lean | CPU µs/frame Kring | "
        "CPU ratio | driver CPU lean / Kring |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    lean_by_rate = {s["rate"]: s for s in lean["steps"]}
    for step in kring["steps"]:
        base = lean_by_rate.get(step["rate"])
        if base is None:
            continue
        out.append(
            f"| {step['rate']:g} (sent {step['post']['achieved']:g}) | {_f(base['delivered_per_second'], 0)} | "
            f"{_f(step['delivered_per_second'], 0)} | "
            f"{_r(ratio(step['delivered_per_second'], base['delivered_per_second']))} | "
            f"{_f(base['latency_ms']['p50'])} | {_f(step['latency_ms']['p50'])} | "
            f"{_f(base['latency_ms']['p99'])} | {_f(step['latency_ms']['p99'])} | "
            f"{_r(ratio(step['latency_ms']['p99'], base['latency_ms']['p99']))} | "
            f"{base['lost']:,} | {step['lost']:,} | {_f(cpu_us_per_frame(base))} | {_f(cpu_us_per_frame(step))} | "
            f"{_r(ratio(cpu_us_per_frame(step), cpu_us_per_frame(base)))} | "
            f"{_f(base['usage']['driver_cpu_share'], 2)} / {_f(step['usage']['driver_cpu_share'], 2)} |"
        )
    summary = hot_summary(scenario)
    out += [
        "",
        f"Knee (first rate with p99 > 100 ms or a loss): lean {summary['lean_knee']}, Kring {summary['kring_knee']}. "
        f"Delivered frames/s at the last rate before the knee: lean {_f(summary['lean_best_fps'], 0)}, "
        f"Kring {_f(summary['kring_best_fps'], 0)} ({_r(summary['fps_ratio'])}).",
        "",
    ]
    return out


def _idle(scenario: dict[str, Any]) -> list[str]:
    out = ["## 2. All-day idle", "", *_error(scenario)]
    rows = []
    for target in ("lean", "kring"):
        run = scenario.get(target, {})
        if "hold" not in run:
            continue
        rows.append(
            f"| {target} | {run['clients']:,} | {run['connect']['connect_s']} | "
            f"{_f(run['rss_per_connection'] / 1024 if run['rss_per_connection'] else None)} | "
            f"{_f(run['hold']['server_cpu_share'] * 100, 2)} % | {_f(run['cpu_share_per_10k'] * 100, 2)} % | "
            f"{run['hold']['wall_s']:g} | {_f(run['hold']['driver_cpu_share'], 2)} | "
            f"{_f(run['connect_usage']['server_cpu_s'] * 1000 / run['clients'] if run['clients'] else None)} |"
        )
    if rows:
        out += [
            "| server | connections | connect s | KiB RSS per connection | CPU while idle (of one core) | "
            "per 10,000 connections | hold s | driver CPU | server CPU ms per connect and 5 subscribes |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    return [*out, ""]


def _workday(scenario: dict[str, Any]) -> list[str]:
    out = ["## 3. Workday", "", *_error(scenario)]
    rows = []
    for target in ("lean", "kring"):
        run = scenario.get(target, {})
        if "latency_ms" not in run:
            continue
        rows.append(
            f"| {target} | {run['connect']['connected']:,} | {run['actions']['offered']:g} / "
            f"{run['actions']['achieved']:g} | {run['messages']:,} | {_f(run['latency_ms']['p50'])} | "
            f"{_f(run['latency_ms']['p99'])} | {run['lost']:,} | {run['frames']:,} | "
            f"{_f(run['server_cpu_us_per_frame'])} | {_f(run['usage']['driver_cpu_share'], 2)} | {run['post_errors']} |"
        )
    if rows:
        out += [
            "Chat messages, reactions and read markers (2 : 4 : 1) over circles of 10; latency of chat messages.",
            "",
            "| server | clients | actions/s offered / sent | messages | p50 ms | p99 ms | lost | frames | "
            "CPU µs/frame | driver CPU | errors |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    return [*out, ""]


def _storm(scenario: dict[str, Any]) -> list[str]:
    out = ["## 4. Reconnect storm", "", *_error(scenario)]
    run = scenario.get("kring", {})
    if "resume_s" in run:
        out += [
            "Every worker restarted (SIGTERM, then a new process), one after the other, while messages are posted.",
            "",
            "| clients | reconnections | resume p50 s | resume p99 s | slowest s | never back | "
            "resumed from history | not recovered | lost | duplicated | post errors | DB transactions "
            "per resubscription |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
            f"| {run['connect']['connected']:,} | {run['reconnections']:,} | {_f(run['resume_s']['p50'], 2)} | "
            f"{_f(run['resume_s']['p99'], 2)} | {_f(run['resume_s']['max'], 2)} | {run['never_back']} | "
            f"{run['subscriptions_recovered']:,} | {run['subscriptions_not_recovered']:,} | {run['lost']:,} | "
            f"{run['duplicated']:,} | {run['post_errors']} | {_per_resubscription(run)} |",
        ]
    return [*out, ""]


def _per_resubscription(run: dict[str, Any]) -> str:
    resubscribed = run["subscriptions_recovered"] + run["subscriptions_not_recovered"]
    transactions = run.get("database_transactions")
    if not resubscribed or transactions is None:
        return "–"
    return f"{transactions / resubscribed:.1f} ({transactions:,} in all)"


def _slow(scenario: dict[str, Any]) -> list[str]:
    out = ["## 5. Slow consumers", "", *_error(scenario)]
    rows = []
    for target in ("lean", "kring"):
        run = scenario.get(target, {})
        if "with_slow" not in run:
            continue
        a, b = run["all_reading"], run["with_slow"]
        rows.append(
            f"| {target} | {run['slow_clients']} | {_f(a['latency_ms']['p99'])} | {_f(b['latency_ms']['p99'])} | "
            f"{_r(ratio(b['latency_ms']['p99'], a['latency_ms']['p99']))} | {a['others_lost']:,} / "
            f"{b['others_lost']:,} | {_f(a['usage']['server_rss_end'] / 2**20)} → "
            f"{_f(b['usage']['server_rss_end'] / 2**20)} | {run['slow_clients_closed_by_server']} |"
        )
    if rows:
        out += [
            "| server | slow clients | others' p99 ms, all reading | with 5 % stopped | ratio | others lost | "
            "server RSS MiB | slow ones closed |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    return [*out, ""]


def _http(scenario: dict[str, Any]) -> list[str]:
    out = ["## 6. Feed and search", "", *_error(scenario)]
    run = scenario.get("kring", {})
    rows = [
        f"| {name} | `{v['path']}` | {_f(v['per_second'])} | {_f(v['latency_ms']['p50'])} | "
        f"{_f(v['latency_ms']['p99'])} | {v['statuses']} | {_f(v['usage']['driver_cpu_share'], 2)} |"
        for name, v in run.items()
        if isinstance(v, dict) and "per_second" in v
    ]
    if rows:
        out += [
            "| what | path | requests/s | p50 ms | p99 ms | statuses | driver CPU |",
            "|---|---|---|---|---|---|---|",
            *rows,
        ]
    return [*out, ""]


def charts(results: dict[str, Any], out: Path, stem: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written: list[Path] = []
    hot = results["scenarios"].get("hot", {})
    runs = {t: hot[t] for t in ("lean", "kring") if "steps" in hot.get(t, {})}
    if runs:
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for target, run in runs.items():
            clients = run["connect"]["connected"]
            offered = [s["rate"] * clients for s in run["steps"]]
            ax.plot(offered, [s["delivered_per_second"] for s in run["steps"]], marker="o", label=target)
        top = max(s["rate"] * r["connect"]["connected"] for r in runs.values() for s in r["steps"])
        ax.plot([0, top], [0, top], linestyle=":", color="grey", label="everything delivered")
        ax.set_xlabel("offered frames/s (messages/s × clients)")
        ax.set_ylabel("delivered frames/s")
        ax.set_title("Hot circle: delivered against offered")
        ax.legend()
        fig.tight_layout()
        path = out / f"{stem}-hot-throughput.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)

        fig, ax = plt.subplots(figsize=(7, 4.5))
        for target, run in runs.items():
            rates = [s["rate"] for s in run["steps"]]
            for key, style in (("p50", "--"), ("p90", "-."), ("p99", "-")):
                ax.plot(
                    rates,
                    [s["latency_ms"][key] for s in run["steps"]],
                    linestyle=style,
                    marker="o",
                    label=f"{target} {key}",
                )
        ax.axhline(100, color="grey", linestyle=":", label="100 ms")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("messages/s posted")
        ax.set_ylabel("POST → receipt, ms")
        ax.set_title("Hot circle: latency distribution")
        ax.legend(fontsize="small", ncol=2)
        fig.tight_layout()
        path = out / f"{stem}-hot-latency.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written


def write(results: dict[str, Any], out: Path, stem: str) -> Path:
    text = markdown(results)
    pictures = charts(results, out, stem)
    if pictures:
        text += "\n" + "\n".join(f"![{p.stem}]({p.name})" for p in pictures) + "\n"
    path = out / f"{stem}.md"
    path.write_text(text)
    return path
