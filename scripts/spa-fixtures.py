#!/usr/bin/env python3
"""Reference values for `aegis-bt spa`: White's reality check, Hansen's SPA and
Romano–Wolf's StepM, computed with the `arch` Python package on seeded return
matrices.

Run it with a virtualenv that has the exact versions it was last run with:

    python3 -m venv /tmp/arch-venv
    /tmp/arch-venv/bin/pip install arch==8.0.0 numpy==2.4.6 pandas==3.1.1
    /tmp/arch-venv/bin/python scripts/spa-fixtures.py

Last run with arch 8.0.0, numpy 2.4.6, pandas 3.1.1 (scipy 1.17.1 came with
arch), CPython 3.11.7; it takes five to ten minutes on one core. `--out DIR` writes
somewhere else (to compare two runs byte for byte); the default is
packages/engine-rs/tests/fixtures/spa/ next to this script's repository.

What it writes, per fixture: `<name>.csv`, the matrix `aegis-bt spa --matrix`
reads (a header row of column names, then one row of daily returns per day,
six decimals, no date column), and `<name>.json`, arch's p-values for it with
everything needed to repeat them. The definitions behind the numbers are in
docs/spa-reference.md; the directory's README lists the files.

Convention. The matrix holds daily *returns* (higher is better). The benchmark
is zero, or the column named as benchmark (which is then not a model). arch
wants *losses* (lower is better) and tests whether some model has a lower
expected loss than the benchmark, with d_{k,t} = L_bench,t - L_k,t. We give it

    benchmark losses  = -(benchmark return)   (all zeros for a zero benchmark)
    model losses      = -(model returns)

so d_{k,t} = r_{k,t} - b_t exactly (IEEE subtraction is sign-symmetric).

The reference run uses B = 100,000 bootstrap replications and seed 1. Its
Monte Carlo error is stated two ways: the binomial standard error
sqrt(p(1-p)/B), which is exact for a bootstrap p-value given the data (each
replication is an independent draw), and the spread of 20 reruns of arch with
seeds 101..120 at B = 10,000, whose standard deviation should be close to the
binomial one at that B (the JSON shows both). The tolerance for an independent
implementation (its own random numbers, B_rust replications) is

    tol = max(4 * sqrt(p (1-p) (1/B_ref + 1/B_rust)), 5 / B_rust)

with p the reference p-value; the JSON lists it for B_rust = 1,000 and 10,000.
StepM returns a set, not a number: columns found in every one of the 20
reruns (and in the reference run) are `stable`, those found in none are stably
out, anything else is `borderline` and should not be asserted.

Every arch number is also recomputed here from the formulas in
docs/spa-reference.md, with a stationary bootstrap written from its definition
that draws from the same NumPy generator in the same order as arch; the script
stops unless the exceedance counts and StepM sets agree exactly. That check is
what ties the written definitions to arch's code.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import pathlib
import platform
import sys

import numpy as np
import pandas as pd

import arch
from arch.bootstrap import SPA, RealityCheck, StepM

B_REF = 100_000
SEED_REF = 1
SPREAD_SEEDS = list(range(101, 121))
B_SPREAD = 10_000
STEPM_SIZES = (0.05, 0.10)
TOLERANCE_SIGMAS = 4.0
TOLERANCE_FLOOR_COUNTS = 5
B_RUST_EXAMPLES = (1_000, 10_000)
DECIMALS = 6

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "packages" / "engine-rs" / "tests" / "fixtures" / "spa"


# --------------------------------------------------------------------------
# Definitions, written from docs/spa-reference.md (not from arch's code).
# --------------------------------------------------------------------------


def long_run_variance(d: np.ndarray, block: float) -> np.ndarray:
    """omega_k^2 = g_0 + 2 sum_{i=1}^{T-1} kappa_i g_i per column, with
    g_i = (1/T) sum_t e_t e_{t+i} of the demeaned column and the stationary
    bootstrap's weights kappa_i = (1 - i/T) (1-q)^i + (i/T) (1-q)^(T-i),
    q = 1/block."""
    n = d.shape[0]
    q = 1.0 / block
    e = d - d.mean(axis=0)
    total = np.einsum("tk,tk->k", e, e) / n
    for lag in range(1, n):
        weight = (1.0 - lag / n) * (1.0 - q) ** lag + (lag / n) * (1.0 - q) ** (n - lag)
        total = total + 2.0 * weight * np.einsum("tk,tk->k", e[:-lag], e[lag:]) / n
    return total


def stationary_indices(rng: np.random.Generator, n: int, block: float) -> np.ndarray:
    """One stationary-bootstrap resample of 0..n-1. Draws, in this order, n
    candidate block starts uniform on 0..n-1 and n uniforms on [0, 1); day 0
    always starts a block, day t > 0 starts one when its uniform is <= 1/block
    (else it continues the previous day's index, wrapping n-1 -> 0)."""
    starts = rng.integers(n, size=n, dtype=np.int64)
    u = rng.random(n)
    new_block = u <= 1.0 / block
    new_block[0] = True
    positions = np.arange(n)
    block_start = np.maximum.accumulate(np.where(new_block, positions, 0))
    return (starts[block_start] + positions - block_start) % n


def bootstrap_means(d: np.ndarray, block: float, reps: int, seed: int) -> np.ndarray:
    """reps x N matrix of the resampled column means, seeded like arch."""
    rng = np.random.default_rng(seed)
    out = np.empty((reps, d.shape[1]))
    for b in range(reps):
        out[b] = d[stationary_indices(rng, d.shape[0], block)].mean(axis=0)
    return out


def recentring(d: np.ndarray, omega2: np.ndarray) -> dict[str, np.ndarray]:
    """What is subtracted from each bootstrap mean for the three p-values:
    lower max(dbar, 0); consistent dbar when dbar >= -sqrt(omega2/T * 2 ln ln T)
    else 0; upper dbar."""
    n = d.shape[0]
    dbar = d.mean(axis=0)
    threshold = -np.sqrt(omega2 / n * 2.0 * math.log(math.log(n)))
    return {
        "lower": np.where(dbar < 0, 0.0, dbar),
        "consistent": np.where(dbar >= threshold, dbar, 0.0),
        "upper": dbar.copy(),
    }


def quantile_linear(values: np.ndarray, level: float) -> float:
    """Order statistic interpolation: position h = (B-1) * level in the sorted
    values (0-based), linear between the neighbours."""
    x = np.sort(values)
    h = (len(x) - 1) * level
    lo = math.floor(h)
    hi = min(lo + 1, len(x) - 1)
    return float(x[lo] + (h - lo) * (x[hi] - x[lo]))


def reference_counts(d: np.ndarray, means: np.ndarray, centre: dict[str, np.ndarray]) -> dict[str, int]:
    """Number of replications whose max over columns of (mean* - centre)
    strictly exceeds the observed max column mean."""
    observed = d.mean(axis=0).max()
    return {name: int(((means - c).max(axis=1) > observed).sum()) for name, c in centre.items()}


def reference_stepm(d: np.ndarray, means: np.ndarray, centre: np.ndarray, size: float) -> list[dict]:
    """StepM with the consistent recentring, the same replications at every
    step: the critical value is the (1-size) quantile of the max over the
    columns not yet found; every remaining column whose mean exceeds it is
    found; repeat until a step finds nothing or nothing remains."""
    dbar = d.mean(axis=0)
    remaining = np.ones(d.shape[1], dtype=bool)
    steps = []
    while remaining.any():
        crit = quantile_linear((means[:, remaining] - centre[remaining]).max(axis=1), 1.0 - size)
        found = np.flatnonzero(remaining & (dbar > crit))
        steps.append({"critical_value": crit, "found": [int(i) for i in found]})
        if found.size == 0:
            break
        remaining[found] = False
    return steps


# --------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------


def shifted(noise: np.ndarray, t_targets: dict[int, float], block: float) -> np.ndarray:
    """Demeans the chosen columns and moves each to a sample mean of
    t * sqrt(omega^2 / T), so its t-statistic (with the long-run variance at
    this block) is the target whatever the draw was."""
    out = noise.copy()
    n = noise.shape[0]
    for k, t in t_targets.items():
        col = noise[:, k] - noise[:, k].mean()
        se = math.sqrt(long_run_variance(col[:, None], block)[0] / n)
        out[:, k] = col + t * se
    return out


def names(n: int) -> list[str]:
    return [f"s{i:02d}" for i in range(1, n + 1)]


def fixture_a() -> dict:
    """Pure noise: 10 columns, no real edge, mildly correlated (one common
    factor), means whatever the draw gives."""
    rng = np.random.default_rng(1201)
    n, k = 500, 10
    common = rng.normal(0.0, 1.0, (n, 1))
    r = 0.01 * (0.4 * common + math.sqrt(1 - 0.16) * rng.normal(0.0, 1.0, (n, k)))
    return {
        "name": "a-noise",
        "description": "10 columns of i.i.d. Gaussian daily returns, sd 1%, mean 0, pairwise "
        "correlation 0.16 through one common factor; the sample means are left as drawn. "
        "Nothing beats the zero benchmark: p-values should be large and StepM should find nothing.",
        "columns": names(k),
        "returns": r,
        "benchmark": None,
        "blocks": [10],
        "data_seed": 1201,
    }


def fixture_b() -> dict:
    """Two real winners among 13 noise columns."""
    rng = np.random.default_rng(1202)
    n, k = 500, 15
    noise = 0.01 * rng.normal(0.0, 1.0, (n, k))
    others = [j for j in range(k) if j not in (3, 10)]
    targets = dict(zip(others, np.round(np.linspace(-1.5, 1.5, len(others)), 2).tolist()))
    targets.update({3: 4.5, 10: 3.8})
    r = shifted(noise, targets, block=10)
    return {
        "name": "b-two-winners",
        "description": "15 columns of i.i.d. Gaussian daily returns, sd 1%; s04 and s11 are demeaned "
        "and shifted to t-statistics of 4.5 and 3.8 (long-run variance at block 10), about 20 and "
        "17 basis points a day; the other 13 are noise shifted to t-statistics evenly spaced "
        "from -1.5 to +1.5 (in column order), so no noise column looks like a winner by the luck "
        "of the draw. The SPA rejects (p < 0.01) and StepM finds s04 and s11 and nothing else.",
        "columns": names(k),
        "returns": r,
        "benchmark": None,
        "blocks": [10],
        "data_seed": 1202,
    }


def fixture_c() -> dict:
    """One good column, many clearly worse ones: the reality check counts the
    losers in its null distribution, the consistent SPA leaves them out."""
    rng = np.random.default_rng(1203)
    n, k = 750, 20
    common = rng.normal(0.0, 1.0, (n, 1))
    noise = 0.01 * (0.3 * common + math.sqrt(1 - 0.09) * rng.normal(0.0, 1.0, (n, k)))
    targets = {0: 2.4}
    targets.update({j: -0.5 for j in range(1, 4)})
    targets.update({j: -3.0 for j in range(4, k)})
    r = shifted(noise, targets, block=10)
    return {
        "name": "c-one-winner-many-losers",
        "description": "20 columns, sd 1%, pairwise correlation 0.09; every column demeaned and "
        "shifted: s01 to t = +2.4, s02-s04 to t = -0.5 (above Hansen's threshold "
        "-sqrt(2 ln ln 750) = -1.94, so the consistent p-value still recentres them, the lower "
        "one does not), s05-s20 to t = -3.0 (below it: only the upper p-value recentres them). "
        "The upper p-value (White's reality check) is inflated by the 16 losers and misses 5%; "
        "the consistent one rejects at 5%; the lower one is smaller still.",
        "columns": names(k),
        "returns": r,
        "benchmark": None,
        "blocks": [10],
        "data_seed": 1203,
    }


def fixture_d() -> dict:
    """AR(1) excess returns over a benchmark column: the block length matters."""
    rng = np.random.default_rng(1204)
    n, k, phi = 500, 8, 0.6
    bench = 0.0004 + 0.012 * rng.normal(0.0, 1.0, n)
    shocks = 0.004 * rng.normal(0.0, 1.0, (n + 100, k))
    x = np.zeros_like(shocks)
    for t in range(1, n + 100):
        x[t] = phi * x[t - 1] + shocks[t]
    x = x[100:]
    x = shifted(x, {0: -1.5, 1: -0.5, 2: 2.3, 3: 0.8, 4: -1.0, 5: 0.3, 6: 1.2, 7: -2.5}, block=20)
    r = np.column_stack([bench, bench[:, None] + x])
    return {
        "name": "d-ar1-vs-buy-hold",
        "description": "a benchmark column buy_hold (i.i.d., mean 4 bp, sd 1.2%) and 8 strategies "
        "s01-s08 = buy_hold + x_k, x_k an AR(1) with coefficient 0.6 (innovation sd 0.4%, 100 days "
        "of burn-in), each x_k demeaned and shifted to a t-statistic between -2.5 and +2.3 "
        "(long-run variance at block 20; s03 is the best at +2.3). With --benchmark buy_hold the "
        "differences d are the x_k. At block 1 (an i.i.d. bootstrap) the autocorrelation is "
        "ignored, the bootstrap means are too narrow by about sqrt((1+0.6)/(1-0.6)) = 2 and s03 "
        "looks significant; at block 20 it does not.",
        "columns": ["buy_hold"] + names(k),
        "returns": r,
        "benchmark": "buy_hold",
        "blocks": [1, 20],
        "data_seed": 1204,
    }


# --------------------------------------------------------------------------
# CSV in and out
# --------------------------------------------------------------------------


def to_csv(columns: list[str], r: np.ndarray) -> str:
    buf = io.StringIO()
    buf.write(",".join(columns) + "\n")
    for row in r:
        # "-0.000000" would be a negative zero; write it as 0.000000
        cells = [f"{v:.{DECIMALS}f}" for v in row]
        buf.write(",".join("0.000000" if c == "-0.000000" else c for c in cells) + "\n")
    return buf.getvalue()


def from_csv(text: str) -> tuple[list[str], np.ndarray]:
    """Parsed back with Python's correctly rounded float(), so the numbers
    arch sees are the ones any correct CSV reader gets from the file."""
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], np.array([[float(v) for v in row] for row in rows[1:]])


# --------------------------------------------------------------------------
# arch runs
# --------------------------------------------------------------------------


def arch_inputs(columns: list[str], r: np.ndarray, benchmark: str | None):
    if benchmark is None:
        bench_loss = np.zeros(r.shape[0])
        model_cols = columns
        model_ret = r
    else:
        j = columns.index(benchmark)
        bench_loss = -r[:, j]
        model_cols = [c for c in columns if c != benchmark]
        model_ret = np.delete(r, j, axis=1)
    models = pd.DataFrame(-model_ret, columns=model_cols)
    d = model_ret - (0.0 if benchmark is None else r[:, columns.index(benchmark)][:, None])
    return bench_loss, models, d


def arch_run(bench_loss, models, block: int, reps: int, seed: int) -> dict:
    """One bootstrap pass: StepM builds an SPA with the same seed and keeps
    its simulated values, so the full-set p-values and both StepM levels come
    from the same replications."""
    stepm = StepM(bench_loss, models, size=STEPM_SIZES[0], block_size=block, reps=reps,
                  bootstrap="stationary", studentize=True, nested=False, seed=seed)
    sets = {}
    for size in STEPM_SIZES:
        stepm.size = size
        stepm.compute()
        sets[size] = [str(c) for c in stepm.superior_models]
    stepm.spa.subset(np.ones(models.shape[1], dtype=bool))
    stepm.spa.compute()
    pv = stepm.spa.pvalues
    return {"spa": {k: float(pv[k]) for k in ("lower", "consistent", "upper")}, "stepm": sets}


def tidy(x: float) -> float:
    """Ten significant digits, for derived numbers a reader compares by eye."""
    return float(f"{x:.10g}")


def tolerance(p: float, b_rust: int) -> float:
    se = math.sqrt(p * (1.0 - p) * (1.0 / B_REF + 1.0 / b_rust))
    return tidy(max(TOLERANCE_SIGMAS * se, TOLERANCE_FLOOR_COUNTS / b_rust))


def run_case(fx: dict, columns, r, block: int) -> dict:
    bench_loss, models, d = arch_inputs(columns, r, fx["benchmark"])
    model_cols = list(models.columns)
    n = d.shape[0]

    # Reference run, the way a user would call arch.
    spa = SPA(bench_loss, models, block_size=block, reps=B_REF, bootstrap="stationary",
              studentize=True, nested=False, seed=SEED_REF)
    spa.compute()
    spa_p = {k: float(spa.pvalues[k]) for k in ("lower", "consistent", "upper")}
    rc = RealityCheck(bench_loss, models, block_size=block, reps=B_REF, bootstrap="stationary",
                      studentize=False, nested=False, seed=SEED_REF)
    rc.compute()
    rc_p = float(rc.pvalues["upper"])
    # In arch 8.0.0 the studentize flag changes nothing; check it stays so.
    if rc_p != spa_p["upper"] or float(rc.pvalues["consistent"]) != spa_p["consistent"]:
        sys.exit(f"{fx['name']}: studentize=False changed arch's p-values; docs/spa-reference.md is out of date")
    stepm_sets = {}
    for size in STEPM_SIZES:
        sm = StepM(bench_loss, models, size=size, block_size=block, reps=B_REF, bootstrap="stationary",
                   studentize=True, nested=False, seed=SEED_REF)
        sm.compute()
        stepm_sets[size] = [str(c) for c in sm.superior_models]

    # The same numbers from the written definitions.
    omega2 = long_run_variance(d, block)
    if not np.allclose(omega2, spa._loss_diff_var, rtol=1e-12, atol=0):
        sys.exit(f"{fx['name']}: long-run variance differs from arch's")
    means = bootstrap_means(d, block, B_REF, SEED_REF)
    centre = recentring(d, omega2)
    counts = reference_counts(d, means, centre)
    for k in counts:
        if counts[k] != round(spa_p[k] * B_REF):
            sys.exit(f"{fx['name']} block {block}: {k} count {counts[k]} != arch {spa_p[k] * B_REF}")
    steps = {}
    for size in STEPM_SIZES:
        st = reference_stepm(d, means, centre["consistent"], size)
        found = sorted(model_cols[i] for s in st for i in s["found"])
        if found != sorted(stepm_sets[size]):
            sys.exit(f"{fx['name']} block {block} size {size}: StepM {found} != arch {stepm_sets[size]}")
        steps[size] = [{"critical_value": s["critical_value"], "found": [model_cols[i] for i in s["found"]]}
                       for s in st]

    # Monte Carlo spread: arch rerun with other seeds.
    spread = [arch_run(bench_loss, models, block, B_SPREAD, s) for s in SPREAD_SEEDS]
    spread_p = {k: np.array([x["spa"][k] for x in spread]) for k in spa_p}
    membership = {size: {c: sum(c in x["stepm"][size] for x in spread) / len(spread) for c in model_cols}
                  for size in STEPM_SIZES}

    dbar = d.mean(axis=0)
    threshold = -np.sqrt(omega2 / n * 2.0 * math.log(math.log(n)))
    return {
        "parameters": {
            "bootstrap": "stationary",
            "block_size": block,
            "reps": B_REF,
            "seed": SEED_REF,
            "studentize": True,
            "nested": False,
            "stepm_pvalue_type": "consistent",
            "arch_calls": {
                "spa": f"SPA(bench_loss, model_losses, block_size={block}, reps={B_REF}, "
                f"bootstrap='stationary', studentize=True, nested=False, seed={SEED_REF}).pvalues",
                "reality_check": f"RealityCheck(bench_loss, model_losses, block_size={block}, reps={B_REF}, "
                f"bootstrap='stationary', studentize=False, nested=False, seed={SEED_REF}).pvalues['upper']",
                "stepdown": f"StepM(bench_loss, model_losses, size=<level>, block_size={block}, reps={B_REF}, "
                f"bootstrap='stationary', studentize=True, nested=False, seed={SEED_REF}).superior_models",
            },
        },
        "spa": spa_p,
        "reality_check": rc_p,
        "exceedances": counts,
        "stepdown": {
            f"{size:.2f}": {
                "better": sorted(stepm_sets[size]),
                "stable": sorted(c for c in model_cols if membership[size][c] == 1.0 and c in stepm_sets[size]),
                "borderline": sorted(c for c in model_cols
                                     if 0.0 < membership[size][c] < 1.0
                                     or (membership[size][c] == 1.0) != (c in stepm_sets[size])),
                "steps": steps[size],
            }
            for size in STEPM_SIZES
        },
        "monte_carlo": {
            "standard_error": {k: tidy(math.sqrt(p * (1 - p) / B_REF)) for k, p in spa_p.items()},
            "reruns": {
                "seeds": SPREAD_SEEDS,
                "reps": B_SPREAD,
                "mean": {k: tidy(v.mean()) for k, v in spread_p.items()},
                "sd": {k: tidy(v.std(ddof=1)) for k, v in spread_p.items()},
                "binomial_se_at_these_reps": {
                    k: tidy(math.sqrt(spa_p[k] * (1 - spa_p[k]) / B_SPREAD)) for k in spa_p
                },
                "min": {k: float(v.min()) for k, v in spread_p.items()},
                "max": {k: float(v.max()) for k, v in spread_p.items()},
                "stepdown_share_of_reruns": {f"{size:.2f}": membership[size] for size in STEPM_SIZES},
            },
        },
        "tolerance": {
            "rule": f"|p_rust - p_ref| <= max({TOLERANCE_SIGMAS:g} * sqrt(p_ref (1 - p_ref) "
            f"(1/{B_REF} + 1/B_rust)), {TOLERANCE_FLOOR_COUNTS}/B_rust)",
            **{
                f"b_rust_{b}": {
                    **{k: tolerance(p, b) for k, p in spa_p.items()},
                    "reality_check": tolerance(rc_p, b),
                }
                for b in B_RUST_EXAMPLES
            },
        },
        "columns": [
            {
                "name": c,
                "mean_diff": float(dbar[i]),
                "long_run_variance": float(omega2[i]),
                "t_stat": float(dbar[i] / math.sqrt(omega2[i] / n)),
                "threshold": float(threshold[i]),
                "recentred_lower": bool(dbar[i] >= 0),
                "recentred_consistent": bool(dbar[i] >= threshold[i]),
            }
            for i, c in enumerate(model_cols)
        ],
        "log_log_factor": math.sqrt(2.0 * math.log(math.log(n))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    parser.add_argument("--only", help="one fixture name, for a quick look")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    for make in (fixture_a, fixture_b, fixture_c, fixture_d):
        fx = make()
        if args.only and fx["name"] != args.only:
            continue
        text = to_csv(fx["columns"], fx["returns"])
        columns, r = from_csv(text)
        cases = []
        for block in fx["blocks"]:
            print(f"{fx['name']}: block {block}", file=sys.stderr, flush=True)
            cases.append(run_case(fx, columns, r, block))
        doc = {
            "fixture": f"{fx['name']}.csv",
            "description": fx["description"],
            "generated_by": "scripts/spa-fixtures.py",
            "versions": {
                "arch": arch.__version__,
                "numpy": np.__version__,
                "pandas": pd.__version__,
                "python": platform.python_version(),
            },
            "data": {
                "rows": r.shape[0],
                "columns": len(columns),
                "data_seed": fx["data_seed"],
                "decimals": DECIMALS,
                "benchmark": fx["benchmark"] or "zero",
                "cli": "aegis-bt spa --matrix " + f"{fx['name']}.csv"
                + ("" if fx["benchmark"] is None else f" --benchmark {fx['benchmark']}")
                + " --block <block_size> --bootstrap <reps> --seed <seed>",
            },
            "conversion": "arch takes losses: benchmark loss = -(benchmark return), 0 for the zero "
            "benchmark; model losses = -(returns of the other columns). arch's d_{k,t} = "
            "L_bench,t - L_k,t is then r_{k,t} - b_t.",
            "cases": cases,
        }
        (args.out / f"{fx['name']}.csv").write_text(text)
        (args.out / f"{fx['name']}.json").write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
